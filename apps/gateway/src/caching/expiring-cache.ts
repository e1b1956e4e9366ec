/** A load in flight; its identity tells a current load from one a `delete` superseded. */
interface LoadAttempt<V> {
  promise: Promise<V>;
}

/** Past this share of its lifetime an entry is reloaded in the background while it is still served. */
const REFRESH_AHEAD_SHARE = 0.75;

/**
 * A per-process cache of values that may be a few seconds stale (policies, settings, BYOK keys): an entry is never
 * served more than `ttlMs` after it was loaded, and past `entriesMax` the oldest entry is dropped, so memory stays
 * bounded however many tenants call.
 *
 * One load per key at a time: concurrent misses share it (at concurrency 64 an expiry used to cost 64 reads). A key
 * in use is reloaded in the background once its entry is ¾ through its life, so requests do not wait on the read.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; refreshAtMs: number; expiresAtMs: number }>();
  private readonly loading = new Map<string, LoadAttempt<V>>();

  constructor(private readonly options: { ttlMs: number; entriesMax: number }) {}

  /** The cached value, else `load()`'s (stored for `ttlMs`). A failed background reload leaves the entry to expire. */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    const nowMs = Date.now();
    if (cached && cached.expiresAtMs > nowMs) {
      if (cached.refreshAtMs <= nowMs && !this.loading.has(key)) this.loadOnce(key, load).catch(() => undefined);
      return cached.value;
    }
    return this.loadOnce(key, load);
  }

  /** Forgets a key after a write, so this process sees the change at once (other replicas within `ttlMs`). */
  delete(key: string): void {
    this.entries.delete(key);
    // A read already in flight may predate the write: it neither stores its result nor serves later callers.
    this.loading.delete(key);
  }

  private loadOnce(key: string, load: () => Promise<V>): Promise<V> {
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight.promise;
    const attempt = {} as LoadAttempt<V>;
    this.loading.set(key, attempt);
    attempt.promise = this.loadAndStore(key, attempt, load);
    return attempt.promise;
  }

  private async loadAndStore(key: string, attempt: LoadAttempt<V>, load: () => Promise<V>): Promise<V> {
    try {
      const value = await load();
      if (this.loading.get(key) === attempt) this.store(key, value);
      return value;
    } finally {
      if (this.loading.get(key) === attempt) this.loading.delete(key);
    }
  }

  private store(key: string, value: V): void {
    if (!this.entries.has(key) && this.entries.size >= this.options.entriesMax) this.entries.delete(this.entries.keys().next().value as string);
    const nowMs = Date.now();
    this.entries.set(key, { value, refreshAtMs: nowMs + this.options.ttlMs * REFRESH_AHEAD_SHARE, expiresAtMs: nowMs + this.options.ttlMs });
  }
}
