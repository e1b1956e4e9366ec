import { z } from 'zod';

/** Micro-USD as a decimal-integer string on the wire; parsed to bigint. */
export const MicrosString = z
  .string()
  .regex(/^-?\d{1,30}$/, 'must be an integer amount of micro-USD as a string')
  .transform((value) => BigInt(value));

/** Non-negative micro-USD. */
export const NonNegativeMicrosString = z
  .string()
  .regex(/^\d{1,30}$/, 'must be a non-negative integer amount of micro-USD as a string')
  .transform((value) => BigInt(value));

export const Uuid = z.uuid();
export const IdempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
export const RequestId = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/);
export const IsoTimestamp = z.iso.datetime({ offset: true });
export const TokenCount = z.number().int().min(0).max(100_000_000);

/** Serializes bigint money for the wire; the only sanctioned bigint → JSON path. */
export function microsToWire(value: bigint): string {
  return value.toString();
}
