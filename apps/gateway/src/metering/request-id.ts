import { randomBytes } from 'node:crypto';

const ID_BYTES = 18;
/** Ids drawn from one randomBytes call: a call per request cost ~20 µs (a job object and async hooks each time). */
const IDS_PER_DRAW = 256;

let entropy = Buffer.alloc(0);
let offset = 0;

/** A request's id (also its hold id and `X-Generation-Id`): 144 random bits, OpenRouter's `gen-` prefix. */
export function newRequestId(): string {
  if (offset >= entropy.length) {
    entropy = randomBytes(ID_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const id = entropy.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `gen-${id}`;
}
