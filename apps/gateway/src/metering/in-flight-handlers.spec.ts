import { InFlightHandlers } from './in-flight-handlers';

describe('InFlightHandlers', () => {
  it('counts tracked work from its call until it resolves or rejects', async () => {
    const handlers = new InFlightHandlers();
    let answer!: (value: string) => void;
    const done = handlers.track(() => new Promise<string>((resolve) => (answer = resolve)));
    const failed = handlers.track(() => Promise.reject(new Error('boom'))).catch((e: Error) => e.message);
    expect(handlers.size).toBe(2);
    expect(await failed).toBe('boom');
    expect(handlers.size).toBe(1);
    answer('answer');
    expect(await done).toBe('answer');
    expect(handlers.size).toBe(0);
  });

  it('idle() resolves true when the last handler ends, false at its timeout while one still runs', async () => {
    const handlers = new InFlightHandlers();
    expect(await handlers.idle(10)).toBe(true);
    handlers.begin();
    expect(await handlers.idle(20)).toBe(false);
    const waiting = handlers.idle(5_000);
    setTimeout(() => handlers.end(), 10);
    expect(await waiting).toBe(true);
  });
});
