import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { PriceTable, quoteCostMicros, type EndpointPrice } from '@switchyard/pricing';
import { OtlpCollector, startTestStack, type TestStack } from '@switchyard/testing';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';

/**
 * The walking skeleton: five services as separate processes on real Postgres, Redis and NATS JetStream.
 * An official OpenAI SDK client pays for completions and the money moves exactly.
 */
describe('a paid request end to end', () => {
  const demoPrice = PriceTable.loadFromDirectory().find('demo', 'demo/echo') as EndpointPrice;
  const startingCreditMicros = 1_000_000n; // $1
  let stack: TestStack;
  let collector: OtlpCollector;
  let gatewayUrl: string;
  let apiKey: string;
  let workspaceId: string;
  let openai: OpenAI;

  async function admin(path: string, body?: unknown, method = 'POST') {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return response.status === 204 ? undefined : response.json();
  }

  async function credits(key = apiKey) {
    const response = await fetch(`${gatewayUrl}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { balance_micros: string; pending_micros: string; available_micros: string };
    return { balance: BigInt(body.balance_micros), pending: BigInt(body.pending_micros), available: BigInt(body.available_micros) };
  }

  /** Billing settles asynchronously: wait until no hold is pending and the balance has settled. */
  async function settledCredits() {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const current = await credits();
      if (current.pending === 0n) return current;
      if (Date.now() > deadline) throw new Error(`hold still pending: ${JSON.stringify(current, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function ledgerAudit() {
    const response = await fetch(`${stack.url('ledger')}/audit`);
    expect(response.status).toBe(200);
    return (await response.json()) as { balanced: boolean; debitsMinusCreditsMicros: string; mismatchedAccounts: unknown[] };
  }

  beforeAll(async () => {
    collector = await OtlpCollector.start();
    stack = await startTestStack({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info' } });
    gatewayUrl = stack.url('gateway');
    const workspace = (await admin('/api/v1/admin/workspaces', { name: 'e2e', creditMicros: startingCreditMicros.toString() })) as { id: string };
    workspaceId = workspace.id;
    apiKey = ((await admin(`/api/v1/admin/workspaces/${workspaceId}/keys`, { name: 'e2e key' })) as { key: string }).key;
    openai = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await collector?.stop();
  });

  it('starts with the granted credit', async () => {
    expect(await credits()).toEqual({ balance: startingCreditMicros, pending: 0n, available: startingCreditMicros });
  });

  it('answers a non-streaming completion and charges exactly its cost', async () => {
    const before = await settledCredits();
    const { data: completion, response } = await openai.chat.completions
      .create({ model: 'demo/echo', messages: [{ role: 'user', content: 'Hello, Switchyard!' }], max_tokens: 64 })
      .withResponse();
    expect(completion.choices[0].message.content).toContain('Hello, Switchyard!');
    expect(completion.model).toBe('demo/echo');
    expect(response.headers.get('x-switchyard-provider')).toBe('demo');
    expect(response.headers.get('x-switchyard-request-id')).toBe(completion.id);
    const usage = completion.usage as OpenAI.CompletionUsage & { cost_micros: string };
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    const expectedCost = quoteCostMicros(demoPrice, {
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(expectedCost).toBeGreaterThan(0n);
    expect(BigInt(usage.cost_micros)).toBe(expectedCost);

    const after = await settledCredits();
    expect(before.balance - after.balance).toBe(expectedCost);
    expect(await ledgerAudit()).toMatchObject({ balanced: true, debitsMinusCreditsMicros: '0', mismatchedAccounts: [] });
  });

  it('streams a completion with a final usage chunk and charges exactly its cost', async () => {
    const before = await settledCredits();
    const stream = await openai.chat.completions.create({
      model: 'demo/echo',
      messages: [{ role: 'user', content: 'Stream me a reply, please.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: (OpenAI.CompletionUsage & { cost_micros?: string }) | undefined;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage as typeof usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toContain('Stream me a reply');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const expectedCost = quoteCostMicros(demoPrice, {
      promptTokens: usage!.prompt_tokens,
      completionTokens: usage!.completion_tokens,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(BigInt(usage!.cost_micros!)).toBe(expectedCost);
    const after = await settledCredits();
    expect(before.balance - after.balance).toBe(expectedCost);
  });

  it('charges once when the same completion event is delivered twice', async () => {
    const before = await settledCredits();
    const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    try {
      const jsm = await jetstreamManager(nc);
      const streamName = `${stack.subjectPrefix.replace(/\./g, '_').toUpperCase()}GATEWAY_EVENTS`;
      const subject = `${stack.subjectPrefix}gateway.request.completed`;
      const last = await jsm.streams.getMessage(streamName, { last_by_subj: subject });
      expect(last).toBeTruthy();
      const headers = natsHeaders();
      // A different message id gets past JetStream's dedup window: only billing's idempotency can stop it.
      await jetstream(nc).publish(subject, last!.data, { msgID: `redelivery-${Date.now()}`, headers });
      const deadline = Date.now() + 15_000;
      for (;;) {
        const info = await jsm.consumers.info(streamName, 'billing-request-completed');
        if (info.num_pending === 0 && info.num_ack_pending === 0) break;
        if (Date.now() > deadline) throw new Error('billing did not consume the redelivered event');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nc.close();
    }
    expect(await settledCredits()).toEqual(before);
    expect(await ledgerAudit()).toMatchObject({ balanced: true, mismatchedAccounts: [] });
  });

  describe('bad input is refused in the OpenAI envelope and charges nothing', () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers }, body });

    it.each([
      ['malformed JSON', () => post('{"model": "demo/echo", "messages": ['), 400, 'invalid_request'],
      ['wrong types', () => post(JSON.stringify({ model: 'demo/echo', messages: 'hi' })), 400, 'invalid_request'],
      ['a missing key', () => post(JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'x' }] }), { authorization: '' }), 401, 'unauthenticated'],
      ['an unknown key', () => post(JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'x' }] }), { authorization: 'Bearer sk-sy-not-a-real-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }), 401, 'unauthenticated'],
      ['an oversized body', () => post(JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'x'.repeat(6 * 1024 * 1024) }] })), 413, 'request_too_large'],
      ['an unknown model', () => post(JSON.stringify({ model: 'acme/nope', messages: [{ role: 'user', content: 'x' }] })), 404, 'model_not_found'],
    ])('%s', async (_label, send, status, code) => {
      const before = await settledCredits();
      const response = await send();
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { code: string; message: string; type: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
      expect(typeof body.error.type).toBe('string');
      expect(await settledCredits()).toEqual(before);
    });

    it('a revoked key stops working', async () => {
      const created = (await admin(`/api/v1/admin/workspaces/${workspaceId}/keys`, { name: 'to revoke' })) as { id: string; key: string };
      const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: created.key, maxRetries: 0 });
      await expect(client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'ok' }] })).resolves.toBeTruthy();
      await settledCredits();
      const before = await credits();
      await admin(`/api/v1/admin/keys/${created.id}`, undefined, 'DELETE');
      await new Promise((r) => setTimeout(r, 1_100));
      await expect(client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'ok' }] })).rejects.toMatchObject({ status: 401 });
      expect(await credits()).toEqual(before);
    });
  });

  it('the switchyard CLI reads the same balance and exits 1 on a bad key', async () => {
    const cli = join(__dirname, '..', '..', 'cli', 'bin', 'switchyard.js');
    const run = (key: string) => promisify(execFile)(process.execPath, [cli, '--json', 'balance'], { env: { ...process.env, SWITCHYARD_API_URL: gatewayUrl, SWITCHYARD_API_KEY: key } });
    const settled = await settledCredits();
    const { stdout } = await run(apiKey);
    expect(JSON.parse(stdout)).toMatchObject({ workspace_id: workspaceId, balance_micros: settled.balance.toString() });
    await expect(run('sk-sy-wrong')).rejects.toMatchObject({ code: 1 });
  });

  it('one trace follows a request from the gateway through router, ledger and billing', async () => {
    const { data: completion, response } = await openai.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'trace me' }] }).withResponse();
    const requestId = response.headers.get('x-request-id');
    await settledCredits();
    const deadline = Date.now() + 15_000;
    let services = new Set<string>();
    while (Date.now() < deadline) {
      const gatewaySpans = collector.spans.filter((s) => s.service === 'switchyard-gateway');
      const traceIds = new Set(gatewaySpans.map((s) => s.traceId));
      services = new Set();
      for (const traceId of traceIds) {
        const inTrace = collector.servicesInTrace(traceId);
        if (inTrace.size > services.size) services = inTrace;
      }
      if (['switchyard-router', 'switchyard-ledger', 'switchyard-billing'].every((s) => services.has(s))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(completion.id).toBeTruthy();
    expect([...services].sort()).toEqual(expect.arrayContaining(['switchyard-gateway', 'switchyard-router', 'switchyard-ledger', 'switchyard-billing']));
    // The gateway's access-log line for this request names its trace: logs and traces join on traceId.
    const logLine = () =>
      stack.services
        .get('gateway')!
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"/v1/chat/completions"') && line.includes('"res"'))
        .map((line) => JSON.parse(line) as { traceId?: string; requestId?: string })
        .find((log) => log.requestId === requestId);
    expect(requestId).toBeTruthy();
    let traceId: string | undefined;
    const logDeadline = Date.now() + 10_000;
    while (Date.now() < logDeadline && !(traceId && collector.spans.some((s) => s.service === 'switchyard-gateway' && s.traceId === traceId))) {
      traceId = logLine()?.traceId;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(collector.spans.some((s) => s.service === 'switchyard-gateway' && s.traceId === traceId)).toBe(true);
  });
});
