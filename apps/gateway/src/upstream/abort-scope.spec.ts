import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortScope } from './abort-scope';

describe('abortScope', () => {
  it('aborts with the reason of whichever parent aborts first', () => {
    const client = new AbortController();
    const cap = new AbortController();
    const scope = abortScope([client.signal, undefined, cap.signal], 60_000);
    const reason = new Error('client disconnected');
    client.abort(reason);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe(reason);
    cap.abort(new Error('later'));
    expect(scope.signal.reason).toBe(reason);
  });

  it('aborts with a TimeoutError once its deadline passes, as AbortSignal.timeout does', async () => {
    const scope = abortScope([new AbortController().signal], 20);
    expect(scope.signal.aborted).toBe(false);
    await sleep(60);
    expect(scope.signal.aborted).toBe(true);
    expect((scope.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('is aborted from the start when a parent already is', () => {
    const client = new AbortController();
    client.abort(new Error('gone'));
    const scope = abortScope([client.signal], 60_000);
    expect(scope.signal.aborted).toBe(true);
    expect((scope.signal.reason as Error).message).toBe('gone');
  });

  it('once disposed, leaves no listener on its parents and no longer aborts', async () => {
    const client = new AbortController();
    const scope = abortScope([client.signal], 20);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(1);
    scope.dispose();
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    await sleep(60);
    client.abort(new Error('gone'));
    expect(scope.signal.aborted).toBe(false);
  });

  it('drops its listener from the other parents when one of them aborts', () => {
    const client = new AbortController();
    const cap = new AbortController();
    abortScope([client.signal, cap.signal]);
    cap.abort(new Error('too long'));
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });
});
