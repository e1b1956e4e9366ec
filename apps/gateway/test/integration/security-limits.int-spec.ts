import { randomBytes } from 'node:crypto';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { startServiceProcess } from '@switchyard/testing';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-test-upstream-security';
const MODEL = 'openai/gpt-4o-mini';
const STREAM_DURATION_MS_MAX = 1_500;

interface OpenAiEnvelope {
  error: { message: string; type: string; code: string; param: string | null };
}

/**
 * The gateway's own protections against real processes: request limits (messages, inline image bytes, stream
 * duration, concurrent streams per key), the SSRF guard on user-supplied media URLs, security headers, CORS, and
 * the session cookie's flags. Every refusal is a 4xx in the envelope and changes nothing (no upstream call, no charge).
 */
describe('gateway security and limits', () => {
  const fake = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'], slowChunkDelayMs: 300, hangMs: 10_000 });
  let stack: GatewayTestStack;

  beforeAll(async () => {
    await fake.start();
    stack = await startGatewayTestStack({
      env: {
        // The operator's own upstream on loopback is trusted: the guard is for URLs users supply.
        OPENAI_API_KEY: UPSTREAM_KEY,
        OPENAI_BASE_URL: fake.baseUrl,
        STREAM_KEEPALIVE_MS: '200',
        GATEWAY_MESSAGES_MAX: '5',
        GATEWAY_IMAGE_BYTES_MAX: '2048',
        GATEWAY_STREAM_DURATION_MS_MAX: String(STREAM_DURATION_MS_MAX),
        GATEWAY_STREAMS_PER_KEY_MAX: '2',
        GATEWAY_FETCH_ALLOWED_HOSTS: '10.9.0.0/16',
      },
      workspace: { name: 'security', creditMicros: 5_000_000n },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await fake.stop();
  });

  const chat = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}`, ...headers },
      body: JSON.stringify({ model: MODEL, ...body }),
    });
  const userImage = (url: string, tag: string) => [{ role: 'user', content: [{ type: 'text', text: tag }, { type: 'image_url', image_url: { url } }] }];

  async function expectRefusedUnchanged(response: Response, status: number, tag: string): Promise<OpenAiEnvelope> {
    const body = (await response.json()) as OpenAiEnvelope;
    expect({ status: response.status, type: typeof body.error?.message }).toEqual({ status, type: 'string' });
    expect(fake.requestsContaining(tag)).toHaveLength(0);
    return body;
  }

  it('refuses more messages than GATEWAY_MESSAGES_MAX with a 400, on every surface', async () => {
    const before = await stack.settledCredits();
    const tag = `m-${randomBytes(4).toString('hex')}`;
    const messages = Array.from({ length: 6 }, () => ({ role: 'user', content: tag }));
    const body = await expectRefusedUnchanged(await chat({ messages }), 400, tag);
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'messages', type: 'invalid_request_error' });
    expect(body.error.message).toContain('at most 5');
    const anthropic = await fetch(`${stack.gatewayUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: Array.from({ length: 7 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: tag })) }),
    });
    expect(anthropic.status).toBe(400);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(await stack.credits()).toEqual(before);
    expect((await chat({ messages: messages.slice(0, 5) })).status).toBe(200);
  });

  it('refuses an inline image above GATEWAY_IMAGE_BYTES_MAX with a 400 and takes one below it', async () => {
    const tag = `i-${randomBytes(4).toString('hex')}`;
    const before = await stack.settledCredits();
    const big = `data:image/png;base64,${Buffer.alloc(3_000, 7).toString('base64')}`;
    const body = await expectRefusedUnchanged(await chat({ messages: userImage(big, tag) }), 400, tag);
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'messages[0].content' });
    expect(body.error.message).toMatch(/inline image is \d+ bytes; the limit is 2048 bytes/);
    expect(await stack.credits()).toEqual(before);
    const small = `data:image/png;base64,${Buffer.alloc(1_000, 7).toString('base64')}`;
    expect((await chat({ messages: userImage(small, `${tag}-ok`) })).status).toBe(200);
  });

  it('refuses user-supplied image and file URLs that point at loopback, link-local or private addresses', async () => {
    const before = await stack.settledCredits();
    const refusedUrls = [
      'http://127.0.0.1:8080/admin.png',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://[::1]/x.png',
      'http://[::ffff:10.0.0.1]/x.png',
      'http://0x7f000001/x.png',
      'http://192.168.1.1/router.png',
      'http://100.64.0.1/cgnat.png',
      'http://[fd00::1]/ula.png',
      'http://localhost/x.png',
    ];
    for (const url of refusedUrls) {
      const tag = `s-${randomBytes(4).toString('hex')}`;
      const body = await expectRefusedUnchanged(await chat({ messages: userImage(url, tag) }), 400, tag);
      expect(body.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error', param: 'messages[0].content' });
    }
    const fileTag = `f-${randomBytes(4).toString('hex')}`;
    await expectRefusedUnchanged(await chat({ messages: [{ role: 'user', content: [{ type: 'text', text: fileTag }, { type: 'file', file: { file_data: 'http://10.0.0.5/secret.pdf' } }] }] }), 400, fileTag);
    // The Anthropic surface's URL image sources pass the same guard.
    const anthropicTag = `a-${randomBytes(4).toString('hex')}`;
    const anthropic = await fetch(`${stack.gatewayUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: anthropicTag }, { type: 'image', source: { type: 'url', url: 'http://169.254.169.254/' } }] }] }),
    });
    expect(anthropic.status).toBe(400);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('link-local') } });
    expect(fake.requestsContaining(anthropicTag)).toHaveLength(0);
    expect(await stack.credits()).toEqual(before);

    // Public addresses, and private ranges the operator allowed (GATEWAY_FETCH_ALLOWED_HOSTS), go through.
    for (const url of ['http://93.184.216.34/cat.png', 'http://10.9.1.2/allowed.png']) {
      const tag = `p-${randomBytes(4).toString('hex')}`;
      expect((await chat({ messages: userImage(url, tag) })).status).toBe(200);
      expect(fake.requestsContaining(tag)).toHaveLength(1);
    }
  });

  it('cuts a stream at GATEWAY_STREAM_DURATION_MS_MAX with a final error event', async () => {
    const tag = `d-${randomBytes(4).toString('hex')}`;
    const startedMs = Date.now();
    const response = await chat({ stream: true, messages: [{ role: 'user', content: `[[fake:slow]] ${tag}` }] });
    expect(response.status).toBe(200);
    const text = await response.text();
    const elapsedMs = Date.now() - startedMs;
    // The fake would take 14 × 300 ms; the gateway stops it at the cap.
    expect(elapsedMs).toBeGreaterThanOrEqual(STREAM_DURATION_MS_MAX - 100);
    expect(elapsedMs).toBeLessThan(3_500);
    const errorEvent = text.split('\n').find((line) => line.startsWith('data: {') && line.includes('"error"'));
    expect(errorEvent).toBeDefined();
    expect(JSON.parse((errorEvent as string).slice(6))).toMatchObject({ error: { code: 'upstream_timeout', message: expect.stringContaining(`${STREAM_DURATION_MS_MAX} ms`) } });
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('allows GATEWAY_STREAMS_PER_KEY_MAX concurrent streams per key; one more is a 429 with Retry-After; slots free again', async () => {
    const tag = `c-${randomBytes(4).toString('hex')}`;
    const open = [0, 1].map((i) => chat({ stream: true, messages: [{ role: 'user', content: `[[fake:hang]] ${tag}-${i}` }] }));
    const deadline = Date.now() + 5_000;
    while (fake.requestsContaining(tag).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(fake.requestsContaining(tag)).toHaveLength(2);

    const third = await chat({ stream: true, messages: [{ role: 'user', content: `${tag}-third` }] });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(((await third.json()) as OpenAiEnvelope).error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error', message: expect.stringContaining('2 streams open') });
    expect(fake.requestsContaining(`${tag}-third`)).toHaveLength(0);
    // Non-streaming requests are not counted.
    expect((await chat({ messages: [{ role: 'user', content: `${tag}-plain` }] })).status).toBe(200);
    // Another key of the same workspace has its own slots.
    const other = await stack.createWorkspace('security-other', 1_000_000n);
    const otherStream = await chat({ stream: true, messages: [{ role: 'user', content: `${tag}-other` }] }, { authorization: `Bearer ${other.key}` });
    expect(otherStream.status).toBe(200);
    await otherStream.text();

    // The hanging streams end at the duration cap; their slots are released.
    await Promise.all((await Promise.all(open)).map((r) => r.text()));
    const again = await chat({ stream: true, messages: [{ role: 'user', content: `${tag}-again` }] });
    expect(again.status).toBe(200);
    await again.text();
  }, 30_000);

  it('a stream refused for want of a slot is not counted against the rate limit (slot and limits are one atomic check)', async () => {
    const tag = `s-${randomBytes(4).toString('hex')}`;
    const caller = await stack.createWorkspace('security-slots', 1_000_000n);
    const asCaller = { authorization: `Bearer ${caller.key}` };
    const open = [0, 1].map((i) => chat({ stream: true, messages: [{ role: 'user', content: `[[fake:hang]] ${tag}-${i}` }] }, asCaller));
    const deadline = Date.now() + 5_000;
    while (fake.requestsContaining(tag).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const before = await chat({ messages: [{ role: 'user', content: `${tag}-before` }] }, asCaller);
    expect(before.status).toBe(200);
    const remainingBefore = Number(before.headers.get('x-ratelimit-remaining'));
    expect(Number.isFinite(remainingBefore)).toBe(true);

    const refused = await chat({ stream: true, messages: [{ role: 'user', content: `${tag}-refused` }] }, asCaller);
    expect(refused.status).toBe(429);
    await refused.arrayBuffer();
    const after = await chat({ messages: [{ role: 'user', content: `${tag}-after` }] }, asCaller);
    expect(after.status).toBe(200);
    // Only `after` itself was counted since `before`.
    expect(Number(after.headers.get('x-ratelimit-remaining'))).toBe(remainingBefore - 1);
    await Promise.all((await Promise.all(open)).map((r) => r.text()));
  }, 30_000);

  it('sends security headers: nosniff, no framing, a referrer policy and a CSP for the same-origin dashboard', async () => {
    for (const path of ['/healthz', '/v1/models', '/api/v1/me']) {
      const response = await fetch(`${stack.gatewayUrl}${path}`);
      await response.arrayBuffer();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  it('CORS: API surfaces answer any origin without credentials; session and admin endpoints do not reflect origins', async () => {
    const evil = 'https://evil.example';
    const preflight = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

    const models = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { origin: evil } });
    expect(models.headers.get('access-control-allow-origin')).toBe('*');
    expect(models.headers.get('access-control-allow-credentials')).toBeNull();
    expect(models.headers.get('access-control-expose-headers')).toContain('x-request-id');

    for (const path of ['/api/v1/auth/siwe/nonce', '/api/v1/auth/refresh', '/api/v1/admin/workspaces']) {
      const refused = await fetch(`${stack.gatewayUrl}${path}`, { method: 'OPTIONS', headers: { origin: evil, 'access-control-request-method': 'POST' } });
      await refused.arrayBuffer();
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const me = await fetch(`${stack.gatewayUrl}/api/v1/me`, { headers: { origin: evil, cookie: 'sy_session=whatever' } });
    await me.arrayBuffer();
    expect(me.headers.get('access-control-allow-origin')).not.toBe(evil);
    expect(me.headers.get('access-control-allow-credentials')).toBeNull();
  });

  // Late in the file: it leaves this address over the failed-auth limit for a minute (later tests use valid credentials only).
  it('failed authentications are rate limited per address (API keys and the admin token alike); valid keys keep working', async () => {
    const unknownKey = () => `sk-sy-${randomBytes(32).toString('base64url')}`;
    // Up to 60 failures per minute answer 401 (earlier tests here spent a few); then 429.
    const statuses: number[] = [];
    while (statuses.length <= 60 && statuses.at(-1) !== 429) statuses.push((await fetch(`${stack.gatewayUrl}/api/v1/credits`, { headers: { authorization: `Bearer ${unknownKey()}` } })).status);
    expect(statuses.at(-1)).toBe(429);
    expect(new Set(statuses.slice(0, -1))).toEqual(new Set([401]));
    expect(statuses.length).toBeGreaterThan(50);
    const limited = await fetch(`${stack.gatewayUrl}/api/v1/credits`, { headers: { authorization: `Bearer ${unknownKey()}` } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as OpenAiEnvelope).error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
    const wrongAdmin = await fetch(`${stack.gatewayUrl}/api/v1/admin/ledger/accounts`, { headers: { authorization: `Bearer ${stack.stack.adminToken}x` } });
    expect(wrongAdmin.status).toBe(429);
    await wrongAdmin.arrayBuffer();
    expect((await fetch(`${stack.gatewayUrl}/api/v1/credits`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).status).toBe(200);
    expect((await fetch(`${stack.gatewayUrl}/api/v1/admin/ledger/accounts`, { headers: { authorization: `Bearer ${stack.stack.adminToken}` } })).status).toBe(200);
  });

  it('X-Forwarded-For counts only from trusted proxies (TRUST_PROXY): a direct caller cannot rotate it to dodge the failed-auth limit', async () => {
    // Runs after the test above left 127.0.0.1 over the limit. This stack's gateway trusts loopback (the default: a
    // local reverse proxy), so a forwarded address is believed; a gateway that trusts no proxy sees the real peer.
    const rotated = () => ({ authorization: `Bearer sk-sy-${randomBytes(32).toString('base64url')}`, 'x-forwarded-for': `203.0.113.${1 + Math.floor(Math.random() * 250)}` });
    const viaTrustedPeer = await fetch(`${stack.gatewayUrl}/api/v1/credits`, { headers: rotated() });
    await viaTrustedPeer.arrayBuffer();
    expect(viaTrustedPeer.status).toBe(401);
    const direct = await startServiceProcess('gateway', { ...stack.stack.env, TRUST_PROXY: 'false' }, { readyTimeoutMs: 120_000 });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${direct.url}/api/v1/credits`, { headers: rotated() });
        await response.arrayBuffer();
        expect(response.status).toBe(429);
      }
    } finally {
      await direct.stop();
    }
  }, 180_000);

  it('session cookies are HttpOnly and SameSite=Strict, and Secure when the request came over https (x-forwarded-proto)', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const host = new URL(stack.gatewayUrl).host;
    const signIn = async (headers: Record<string, string>) => {
      const nonce = (await (await fetch(`${stack.gatewayUrl}/api/v1/auth/siwe/nonce`, { method: 'POST' })).json()) as { nonce: string };
      const message = createSiweMessage({ domain: host, address: account.address, uri: `https://${host}`, version: '1', chainId: 1, nonce: nonce.nonce, issuedAt: new Date() });
      const response = await fetch(`${stack.gatewayUrl}/api/v1/auth/siwe/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ message, signature: await account.signMessage({ message }) }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      return response.headers.getSetCookie();
    };
    const overHttps = await signIn({ 'x-forwarded-proto': 'https' });
    expect(overHttps).toHaveLength(2);
    for (const cookie of overHttps) {
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).toMatch(/; Secure$/);
    }
    // Plain-http development still signs in (a Secure cookie would never come back over http).
    for (const cookie of await signIn({})) {
      expect(cookie).toMatch(/; HttpOnly; SameSite=Strict/);
      expect(cookie).not.toMatch(/Secure/);
    }
  });
});
