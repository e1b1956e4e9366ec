import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `Payment` HTTP authentication scheme's wire codec (draft-httpauth-payment, see
 * reference/crypto-payments.md §2.2–2.3): base64url without padding, JCS-canonical JSON, auth-params, the HMAC
 * challenge id and the body digest. Pure: no I/O, no clock.
 */

/** Limits from the spec: challenges under 8 KB; credentials of at least 4 KB accepted (we take up to 16 KB). */
export const CHALLENGE_HEADER_BYTES_MAX = 8_192;
export const CREDENTIAL_BYTES_MAX = 16_384;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function base64UrlEncode(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Strict: only the base64url alphabet, no padding; undefined when it is not. */
export function base64UrlDecode(value: string): Buffer | undefined {
  if (!BASE64URL.test(value) || value.length % 4 === 1) return undefined;
  return Buffer.from(value, 'base64url');
}

/**
 * RFC 8785 (JCS) for the JSON this protocol carries: object keys sorted by UTF-16 code units, no whitespace.
 * Numbers must be safe integers (amounts are strings on this wire), so ES number formatting equals JCS's.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
}

/** `base64url-nopad(JCS(json))`, the encoding of `request=` and `opaque=`. */
export function encodeJsonParam(value: unknown): string {
  return base64UrlEncode(canonicalJson(value));
}

export function decodeJsonParam(value: string): unknown {
  const bytes = base64UrlDecode(value);
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * RFC 9530 `sha-256=:<base64>:` over the request body. The gateway sees the parsed JSON, so the digest covers its
 * JCS form: the same prompt, parameters and model in any key order or whitespace binds to the same challenge.
 */
export function bodyDigest(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(canonicalJson(body), 'utf8');
  return `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
}

/** The challenge fields the id is computed over (`description` is not part of it, per the spec). */
export interface ChallengeBinding {
  realm: string;
  method: string;
  intent: string;
  request: string;
  expires?: string;
  digest?: string;
  opaque?: string;
}

/** `id = base64url(HMAC-SHA256(secret, realm|method|intent|request|expires|digest|opaque))`. */
export function challengeId(binding: ChallengeBinding, secret: string): string {
  const input = [binding.realm, binding.method, binding.intent, binding.request, binding.expires ?? '', binding.digest ?? '', binding.opaque ?? ''].join('|');
  return base64UrlEncode(createHmac('sha256', secret).update(input, 'utf8').digest());
}

/** Constant-time id check. */
export function challengeIdMatches(binding: ChallengeBinding, id: string, secret: string): boolean {
  const expected = Buffer.from(challengeId(binding, secret), 'utf8');
  const given = Buffer.from(id, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** `Payment k="v", …` (RFC 9110 auth-params; values quoted, `"` and `\` escaped). */
export function formatPaymentChallenge(params: ReadonlyArray<readonly [string, string | undefined]>): string {
  const parts = params
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined)
    .map(([name, value]) => {
      if (!TOKEN.test(name)) throw new TypeError(`auth-param name ${name} is not a token`);
      return `${name}="${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    });
  return `Payment ${parts.join(', ')}`;
}

/** Parses one `Payment` challenge's auth-params; undefined on any syntax error or a repeated parameter. */
export function parsePaymentChallenge(header: string): Record<string, string> | undefined {
  const scheme = /^\s*Payment\s+/i.exec(header);
  if (!scheme) return undefined;
  const params: Record<string, string> = {};
  let rest = header.slice(scheme[0].length);
  const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+))\s*/;
  while (rest.length > 0) {
    const match = param.exec(rest);
    if (!match) return undefined;
    const name = match[1].toLowerCase();
    if (name in params) return undefined;
    params[name] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
    rest = rest.slice(match[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (rest.length > 0) return undefined;
  }
  return params;
}

export type AuthorizationRead =
  | { kind: 'none' }
  | { kind: 'other' }
  | { kind: 'payment'; credential: string }
  | { kind: 'malformed'; detail: string };

/**
 * Finds `Authorization: Payment <base64url>` among every Authorization header line of the request (Node keeps only
 * the first in `headers`, so pass `rawHeaders`' values). Several Payment credentials, or a bad token, are malformed.
 */
export function readPaymentAuthorization(values: readonly string[]): AuthorizationRead {
  if (values.length === 0 || values.every((value) => value.trim() === '')) return { kind: 'none' };
  const payments = values.map((value) => value.trim()).filter((value) => /^Payment(\s|$)/i.test(value));
  if (payments.length === 0) return { kind: 'other' };
  if (payments.length > 1) return { kind: 'malformed', detail: 'Send exactly one Payment credential.' };
  const token = payments[0].slice('Payment'.length).trim();
  if (token.length > CREDENTIAL_BYTES_MAX) return { kind: 'malformed', detail: `The Payment credential exceeds ${CREDENTIAL_BYTES_MAX} bytes.` };
  if (token === '' || !BASE64URL.test(token)) return { kind: 'malformed', detail: 'The Payment credential must be base64url without padding.' };
  return { kind: 'payment', credential: token };
}

/** The values of every `Authorization` line, from Node's raw header list. */
export function authorizationValues(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === 'authorization') out.push(rawHeaders[i + 1]);
  return out;
}
