/**
 * A per-process cache of values that may be a few seconds stale (policies, settings, BYOK keys): entries expire after
 * `ttlMs`, and past `entriesMax` the oldest entry is dropped, so memory stays bounded however many tenants call.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();

  constructor(private readonly options: { ttlMs: number; entriesMax: number }) {}

  /** The cached value, else `load()`'s (stored for `ttlMs`). Concurrent misses each load: loads are idempotent reads. */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && cached.expiresAtMs > Date.now()) return cached.value;
    const value = await load();
    if (this.entries.size >= this.options.entriesMax) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expiresAtMs: Date.now() + this.options.ttlMs });
    return value;
  }

  /** Forgets a key after a write, so this process sees the change at once (other replicas within `ttlMs`). */
  delete(key: string): void {
    this.entries.delete(key);
  }
}
