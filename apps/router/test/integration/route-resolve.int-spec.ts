import { RouterRouteResolve } from '@switchyard/contracts';
import { type ServiceProcess, startServiceProcess, TestCommandClient, uniqueSubjectPrefix } from '@switchyard/testing';

describe('router over NATS', () => {
  const prefix = uniqueSubjectPrefix();
  let router: ServiceProcess;
  let client: TestCommandClient;

  beforeAll(async () => {
    router = await startServiceProcess('router', { NATS_SUBJECT_PREFIX: prefix });
    client = await TestCommandClient.connect(prefix);
  });

  afterAll(async () => {
    await client?.close();
    await router?.stop();
  });

  it('resolves a priced model to its provider endpoints, fallbacks after', async () => {
    const reply = await client.request(RouterRouteResolve, { model: 'demo/echo', fallbackModels: ['demo/echo-large'] });
    expect(reply.candidates.map((c) => `${c.providerId}:${c.modelId}`)).toEqual(['demo:demo/echo', 'demo:demo/echo-large']);
    expect(reply.strategy).toBe('balanced');
  });

  it('answers model_not_found for an unpriced model (fail closed, never $0)', async () => {
    await expect(client.request(RouterRouteResolve, { model: 'acme/unknown' })).rejects.toMatchObject({ code: 'model_not_found' });
  });

  it('rejects an invalid payload with invalid_request in the reply envelope', async () => {
    const envelope = await client.requestRaw('router.route.resolve', { model: 42 });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${router.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${router.url}/readyz`)).json()).toMatchObject({ status: 'ready', checks: { nats: 'ok' } });
    expect(await (await fetch(`${router.url}/metrics`)).text()).toContain('process_cpu_user_seconds_total');
  });
});
