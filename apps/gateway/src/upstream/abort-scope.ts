/** The reason a scope's deadline aborts with: what `AbortSignal.timeout` uses, so callers tell timeouts apart by name. */
function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

export interface AbortScope {
  readonly signal: AbortSignal;
  /** Drops the timer and the listeners on the parents; the signal stays as it is (aborted or not). */
  dispose(): void;
}

/**
 * A signal that aborts when any parent does (with its reason) or `timeoutMs` after now, for one upstream call.
 *
 * Replaces `AbortSignal.any([parent, AbortSignal.timeout(ms)])` on the request path: in Node 20 both keep their
 * signals alive through weak references and a finalization registry, and the timeout's timer stays queued until a
 * full GC finds its signal dead. Every request's timer and registrations outlived two scavenges and were promoted
 * to the old generation (bench/README.md). Here the timer and the listeners go when the call ends.
 */
export function abortScope(parents: readonly (AbortSignal | undefined)[], timeoutMs?: number): AbortScope {
  const controller = new AbortController();
  for (const parent of parents) {
    if (parent?.aborted) {
      controller.abort(parent.reason);
      return { signal: controller.signal, dispose: () => undefined };
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const dispose = (): void => {
    clearTimeout(timer);
    timer = undefined;
    for (const parent of parents) parent?.removeEventListener('abort', onParentAbort);
  };
  function onParentAbort(this: AbortSignal): void {
    dispose();
    controller.abort(this.reason);
  }
  for (const parent of parents) parent?.addEventListener('abort', onParentAbort, { once: true });
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      dispose();
      controller.abort(timeoutReason());
    }, timeoutMs);
    timer.unref();
  }
  return { signal: controller.signal, dispose };
}
