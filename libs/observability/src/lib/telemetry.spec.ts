/** The SDK is ~2,000 modules and ~20 MB of heap: a service without a collector must not load it (bench/README.md). */
describe('startTelemetry', () => {
  it('loads the OpenTelemetry SDK only when an OTLP endpoint is configured', () => {
    const loaded: string[] = [];
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/sdk-node', () => (loaded.push('sdk-node'), { NodeSDK: class {} }));
      jest.doMock('@opentelemetry/exporter-trace-otlp-http', () => (loaded.push('exporter'), {}));
      const { startTelemetry } = jest.requireActual<typeof import('./telemetry')>('./telemetry');
      startTelemetry('test', {});
    });
    expect(loaded).toEqual([]);
  });
});
