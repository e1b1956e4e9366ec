import { lastValueFrom, Subject, throwError } from 'rxjs';
import { InFlightHandlers, InFlightHandlersInterceptor } from './in-flight-handlers';

describe('InFlightHandlers', () => {
  it('counts a handler from its call until its observable completes or errors', async () => {
    const handlers = new InFlightHandlers();
    const interceptor = new InFlightHandlersInterceptor(handlers);
    const running = new Subject<string>();
    const done = lastValueFrom(interceptor.intercept(undefined as never, { handle: () => running }));
    const failed = lastValueFrom(interceptor.intercept(undefined as never, { handle: () => throwError(() => new Error('boom')) })).catch((e: Error) => e.message);
    expect(await failed).toBe('boom');
    expect(handlers.size).toBe(1);
    running.next('answer');
    running.complete();
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
