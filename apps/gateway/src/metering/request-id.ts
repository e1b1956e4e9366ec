import { randomBytes } from 'node:crypto';

/** A request's id (also its hold id and `X-Generation-Id`): 144 random bits, OpenRouter's `gen-` prefix. */
export function newRequestId(): string {
  return `gen-${randomBytes(18).toString('base64url')}`;
}
