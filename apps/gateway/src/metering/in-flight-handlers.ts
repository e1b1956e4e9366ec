import { Injectable } from '@nestjs/common';

/**
 * Route handlers still running. Different from open connections: when the drain deadline cuts a stream, its socket
 * closes at once but its handler still has to notice, count what was delivered and hand the completion to the
 * publisher. Shutdown waits for this count to reach 0 before flushing publishes and closing NATS.
 */
@Injectable()
export class InFlightHandlers {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  get size(): number {
    return this.count;
  }

  /**
   * Counts `work` until it settles. The handlers that publish completions (the completion pipeline, embeddings,
   * native pass-through) run inside it; a global Nest interceptor did this for every route at a cost per request
   * (rxjs, async-resource binding) that showed in the gateway's CPU profile.
   */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  begin(): void {
    this.count++;
  }

  end(): void {
    this.count = Math.max(0, this.count - 1);
    if (this.count === 0) for (const wake of this.waiters) wake();
  }

  /** Resolves when no handler runs, or after `timeoutMs`; true when idle. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return true;
    let wake!: () => void;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => {
      wake = () => resolve(true);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    this.waiters.add(wake);
    try {
      return await idle;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(wake);
    }
  }
}
