import { base64UrlEncode, bodyDigest, decodeJsonParam, parsePaymentChallenge } from './payment-auth.codec';
import { balanceMessage, type ChargeTerms, checkCredential, encodeReceipt, issueChallenge, problemBody } from './payment-challenge';

const terms: ChargeTerms = {
  realm: 'gw.test',
  chainId: 137,
  currency: '0xc2132D05D31c914a87C6611C10748AEb04B58e8F',
  decimals: 6,
  recipient: '0x742d35Cc6634C0532925a3b844Bc9e7595f8fE00',
  symbol: 'USDT',
};
const SECRET = 'k'.repeat(32);
const NOW = Date.parse('2026-11-22T03:00:00.400Z');
const body = { model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] };

function issue(overrides: Partial<Parameters<typeof issueChallenge>[1]> = {}) {
  return issueChallenge(terms, { amountBaseUnits: 50_123n, digest: bodyDigest(body), nowMs: NOW, ttlMs: 300_000, externalId: 'req_1', ...overrides }, SECRET);
}

/** What a client does: echo the challenge's parameters from the header, add a payload. */
function credentialFor(header: string, payload: unknown = { type: 'hash', hash: `0x${'ab'.repeat(32)}` }, extra: Record<string, unknown> = {}) {
  const params = parsePaymentChallenge(header)!;
  return base64UrlEncode(JSON.stringify({ challenge: params, payload, ...extra }));
}

const check = (credential: string, overrides: { nowMs?: number; digest?: string | undefined } = {}) =>
  checkCredential(credential, { terms, secret: SECRET, nowMs: overrides.nowMs ?? NOW + 1_000, digest: 'digest' in overrides ? overrides.digest : bodyDigest(body) });

describe('MPP evm/charge challenge', () => {
  it('issues the exact grammar: id, realm, method, intent, expires, digest, opaque, request (JCS)', () => {
    const challenge = issue();
    const params = parsePaymentChallenge(challenge.header)!;
    expect(params).toMatchObject({ id: challenge.id, realm: 'gw.test', method: 'evm', intent: 'charge', expires: '2026-11-22T03:05:00Z', digest: bodyDigest(body) });
    expect(decodeJsonParam(params.request)).toEqual({
      amount: '50123',
      currency: terms.currency,
      externalId: 'req_1',
      methodDetails: { chainId: 137, credentialTypes: ['transaction', 'hash'], decimals: 6 },
      recipient: terms.recipient,
    });
    expect(Buffer.from(params.request, 'base64url').toString()).toMatch(/^\{"amount":"50123","currency":/);
    expect(decodeJsonParam(params.opaque)).toEqual({ iat: String(Math.floor(NOW / 1000)) });
    expect(challenge.header.length).toBeLessThan(8_192);
  });

  it('accepts the echoed challenge with its proof and payer', () => {
    const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    const result = check(credentialFor(issue().header, { type: 'transaction', signature: '0x02f8aa' }, { source: `did:pkh:eip155:137:${payer}` }));
    expect(result).toMatchObject({ ok: true, amountBaseUnits: 50_123n, issuedAtSeconds: Math.floor(NOW / 1000), proof: { type: 'transaction', signedTransaction: '0x02f8aa' }, source: payer, externalId: 'req_1' });
  });

  it('rejects a tampered amount (the id no longer matches)', () => {
    const params = parsePaymentChallenge(issue().header)!;
    const request = decodeJsonParam(params.request) as Record<string, unknown>;
    const tampered = { ...params, request: base64UrlEncode(JSON.stringify({ ...request, amount: '1' })) };
    const result = check(base64UrlEncode(JSON.stringify({ challenge: tampered, payload: { type: 'hash', hash: `0x${'ab'.repeat(32)}` } })));
    expect(result).toMatchObject({ ok: false, problem: 'invalid-challenge' });
  });

  it('rejects a changed expiry, digest or realm, and a challenge signed with another secret', () => {
    const params = parsePaymentChallenge(issue().header)!;
    for (const change of [{ expires: '2030-01-01T00:00:00Z' }, { digest: 'sha-256=:AAAA:' }, { realm: 'other' }]) {
      expect(check(base64UrlEncode(JSON.stringify({ challenge: { ...params, ...change }, payload: { type: 'hash', hash: `0x${'ab'.repeat(32)}` } })))).toMatchObject({ ok: false, problem: 'invalid-challenge' });
    }
    const foreign = issueChallenge(terms, { amountBaseUnits: 1n, digest: bodyDigest(body), nowMs: NOW, ttlMs: 300_000, externalId: 'x' }, 'z'.repeat(32));
    expect(check(credentialFor(foreign.header))).toMatchObject({ ok: false, problem: 'invalid-challenge' });
  });

  it('rejects an expired challenge', () => {
    expect(check(credentialFor(issue().header), { nowMs: Date.parse('2026-11-22T03:05:00Z') })).toMatchObject({ ok: false, problem: 'payment-expired' });
  });

  it('rejects a credential for another request body', () => {
    expect(check(credentialFor(issue().header), { digest: bodyDigest({ ...body, model: 'expensive/model' }) })).toMatchObject({ ok: false, problem: 'invalid-challenge' });
  });

  it('rejects malformed credentials and a source on another chain', () => {
    expect(check('not_json')).toMatchObject({ ok: false, problem: 'malformed-credential' });
    expect(check(credentialFor(issue().header, { type: 'card', number: '4242' }))).toMatchObject({ ok: false, problem: 'malformed-credential' });
    expect(check(credentialFor(issue().header, undefined, { source: 'did:pkh:eip155:1:0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }))).toMatchObject({ ok: false, problem: 'malformed-credential' });
  });

  it('rejects a challenge for another recipient than the one configured now', () => {
    const moved = issueChallenge({ ...terms, recipient: '0x0000000000000000000000000000000000000001' }, { amountBaseUnits: 1n, digest: bodyDigest(body), nowMs: NOW, ttlMs: 300_000, externalId: 'x' }, SECRET);
    expect(check(credentialFor(moved.header))).toMatchObject({ ok: false, problem: 'invalid-challenge' });
  });

  it('renders problem details that tell a human what to pay', () => {
    const challenge = issue();
    const problem = problemBody('payment-required', 'needs payment', challenge, terms);
    expect(problem).toMatchObject({ type: 'https://paymentauth.org/problems/payment-required', title: 'Payment Required', status: 402, challengeId: challenge.id, amount: '50123' });
    expect(problem.instructions).toContain('0.050123 USDT');
  });

  it('encodes the receipt with the evm fields', () => {
    const receipt = JSON.parse(Buffer.from(encodeReceipt({ challengeId: 'c', reference: '0xab', timestampMs: NOW, chainId: 137, externalId: 'req_1' }), 'base64url').toString());
    expect(receipt).toEqual({ method: 'evm', challengeId: 'c', reference: '0xab', status: 'success', timestamp: '2026-11-22T03:00:00.400Z', chainId: 137, externalId: 'req_1' });
  });
});

describe('balance credentials and late payments', () => {
  const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const sig = `0x${'11'.repeat(65)}`;

  it('carries the worst case in the HMAC-bound opaque, and reads a balance payload with its source', () => {
    const challenge = issue({ worstCaseMicros: 40_000n });
    expect(decodeJsonParam(parsePaymentChallenge(challenge.header)!.opaque)).toEqual({ iat: String(Math.floor(NOW / 1000)), wc: '40000' });
    const result = check(credentialFor(challenge.header, { type: 'balance', signature: sig }, { source: `did:pkh:eip155:137:${payer}` }));
    expect(result).toMatchObject({ ok: true, worstCaseMicros: 40_000n, proof: { type: 'balance', signature: sig }, source: payer, expired: false });
  });

  it('a balance payload without a source is malformed', () => {
    expect(check(credentialFor(issue().header, { type: 'balance', signature: sig }))).toMatchObject({ ok: false, problem: 'malformed-credential' });
  });

  it('allowExpired: an expired on-chain proof is still read (to book it), an expired balance credential is not', () => {
    const header = issue().header;
    const late = { terms, secret: SECRET, nowMs: NOW + 400_000, digest: bodyDigest(body), allowExpired: true };
    expect(checkCredential(credentialFor(header), late)).toMatchObject({ ok: true, expired: true });
    expect(checkCredential(credentialFor(header), { ...late, allowExpired: false })).toMatchObject({ ok: false, problem: 'payment-expired' });
    expect(checkCredential(credentialFor(header, { type: 'balance', signature: sig }, { source: `did:pkh:eip155:137:${payer}` }), late)).toMatchObject({ ok: false, problem: 'payment-expired' });
  });

  it('the problem body names the message to sign for a balance credential', () => {
    const challenge = issue();
    expect(problemBody('payment-required', 'pay', challenge, terms).balanceMessage).toBe(balanceMessage('gw.test', challenge.id));
    expect(balanceMessage('gw.test', 'abc')).toBe('Switchyard agent payment from balance\nrealm: gw.test\nchallenge: abc');
  });
});
