import { createHash, createHmac } from 'node:crypto';
import {
  authorizationValues,
  base64UrlDecode,
  bodyDigest,
  canonicalJson,
  challengeId,
  challengeIdMatches,
  formatPaymentChallenge,
  parsePaymentChallenge,
  readPaymentAuthorization,
} from './payment-auth.codec';

describe('payment auth codec', () => {
  it('canonicalizes JSON with sorted keys and no whitespace (JCS)', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true } })).toBe('{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    expect(canonicalJson({ a: undefined, b: 'é"' })).toBe('{"b":"é\\""}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });

  it('decodes only strict base64url without padding', () => {
    expect(base64UrlDecode('aGk')?.toString()).toBe('hi');
    expect(base64UrlDecode('aGk=')).toBeUndefined();
    expect(base64UrlDecode('a+b/')).toBeUndefined();
  });

  it('computes the HMAC id over realm|method|intent|request|expires|digest|opaque (reference §2.3)', () => {
    const binding = { realm: 'r', method: 'evm', intent: 'charge', request: 'eyJ9', expires: '2026-01-01T00:00:00Z', digest: 'sha-256=:x:', opaque: undefined };
    const expected = createHmac('sha256', 'secret').update('r|evm|charge|eyJ9|2026-01-01T00:00:00Z|sha-256=:x:|').digest('base64url');
    expect(challengeId(binding, 'secret')).toBe(expected);
    expect(challengeIdMatches(binding, expected, 'secret')).toBe(true);
    expect(challengeIdMatches({ ...binding, request: 'eyJ8' }, expected, 'secret')).toBe(false);
    expect(challengeIdMatches(binding, expected, 'other-secret')).toBe(false);
    expect(challengeIdMatches(binding, expected.slice(1), 'secret')).toBe(false);
  });

  it('digests the canonical body, whatever the key order', () => {
    const digest = bodyDigest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(digest).toBe(`sha-256=:${createHash('sha256').update('{"messages":[{"content":"hi","role":"user"}],"model":"m"}').digest('base64')}:`);
    expect(bodyDigest({ messages: [{ content: 'hi', role: 'user' }], model: 'm' })).toBe(digest);
    expect(bodyDigest({ model: 'other', messages: [] })).not.toBe(digest);
    expect(bodyDigest(undefined)).toBeUndefined();
  });

  it('formats and parses auth-params, escaping quotes', () => {
    const header = formatPaymentChallenge([['id', 'abc'], ['realm', 'a "q" \\ b'], ['description', undefined], ['request', 'eyJ9']]);
    expect(header).toBe('Payment id="abc", realm="a \\"q\\" \\\\ b", request="eyJ9"');
    expect(parsePaymentChallenge(header)).toEqual({ id: 'abc', realm: 'a "q" \\ b', request: 'eyJ9' });
    expect(parsePaymentChallenge('Payment id=tok, method="evm"')).toEqual({ id: 'tok', method: 'evm' });
    expect(parsePaymentChallenge('Payment id="a", id="b"')).toBeUndefined();
    expect(parsePaymentChallenge('Bearer x')).toBeUndefined();
  });

  it('reads exactly one Payment credential from the Authorization lines', () => {
    expect(readPaymentAuthorization([])).toEqual({ kind: 'none' });
    expect(readPaymentAuthorization(['Bearer sk-1'])).toEqual({ kind: 'other' });
    expect(readPaymentAuthorization(['Payment eyJhIjoxfQ'])).toEqual({ kind: 'payment', credential: 'eyJhIjoxfQ' });
    expect(readPaymentAuthorization(['Payment eyJhIjoxfQ', 'Payment eyJiIjoxfQ']).kind).toBe('malformed');
    expect(readPaymentAuthorization(['Payment eyJ=']).kind).toBe('malformed');
    expect(readPaymentAuthorization(['Payment']).kind).toBe('malformed');
    expect(readPaymentAuthorization([`Payment ${'a'.repeat(20_000)}`]).kind).toBe('malformed');
    expect(authorizationValues(['Host', 'x', 'authorization', 'Payment a', 'Authorization', 'Payment b'])).toEqual(['Payment a', 'Payment b']);
  });
});
