import type { ValueTransformer } from 'typeorm';

/** pg returns bigint columns as strings; money must become bigint, never a JS number. */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};
