import { z } from 'zod';

/**
 * Core NATS (at-most-once, no stream): a key was revoked, disabled or changed, so every gateway replica drops it from
 * its in-process cache at once. A lost message only delays that to the cache's own TTL (≤ 1 s); nothing moves money.
 */
export const GATEWAY_API_KEY_INVALIDATED_SUBJECT = 'gateway.apikey.invalidated';

export const ApiKeyInvalidatedSchema = z.object({
  /** SHA-256 hex of the key (never the raw key). */
  keyHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ApiKeyInvalidated = z.output<typeof ApiKeyInvalidatedSchema>;
