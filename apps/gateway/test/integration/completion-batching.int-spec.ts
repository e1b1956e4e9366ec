import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import OpenAI from 'openai';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

/**
 * Completions that end together leave the gateway as one `gateway.requests.completed` message. What a user and an
 * operator rely on stays true: every request is charged exactly what its answer reported, once, and the router's
 * health counts every one of them.
 */
const MODEL = 'meta-llama/llama-3.1-8b-instruct';
const REQUESTS = 48;

describe('completions published together (gateway.requests.completed)', () => {
  const upstream = new FakeOpenAiUpstream({});
  let stack: GatewayTestStack;
  let nats: NatsConnection;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      env: { LOCAL_OPENAI_BASE_URL: upstream.baseUrl, ROUTER_SNAPSHOT_INTERVAL_MS: '100' },
      workspace: { name: 'completion-batching', creditMicros: 5_000_000n },
    });
    nats = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  }, 120_000);

  afterAll(async () => {
    await nats?.close();
    await stack?.stop();
    await upstream.stop();
  });

  /** Messages stored per completion subject of the stack's stream. */
  async function storedMessages(): Promise<{ single: number; several: number }> {
    const prefix = stack.stack.subjectPrefix;
    const jsm = await jetstreamManager(nats);
    const info = await jsm.streams.info(`${prefix.replace(/\./g, '_').toUpperCase()}GATEWAY_EVENTS`, { subjects_filter: `${prefix}gateway.>` });
    const subjects = info.state.subjects ?? {};
    return { single: subjects[`${prefix}gateway.request.completed`] ?? 0, several: subjects[`${prefix}gateway.requests.completed`] ?? 0 };
  }

  it('concurrent requests share messages; each is charged exactly its reported cost, once', async () => {
    const events = nats.subscribe(`${stack.stack.subjectPrefix}gateway.requests.completed`);
    const carried: string[] = [];
    const collecting = (async () => {
      for await (const message of events) carried.push(...(message.json() as { events: Array<{ requestId: string }> }).events.map((event) => event.requestId));
    })();
    const before = await stack.credits();
    const client = new OpenAI({ apiKey: stack.apiKey, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `together ${i}` }], max_tokens: 40 })),
    );
    const reported = answers.reduce((sum, answer) => sum + BigInt((answer.usage as unknown as { cost_micros: string }).cost_micros), 0n);
    expect(reported).toBeGreaterThan(0n);

    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(reported);
    const stored = await storedMessages();
    events.unsubscribe();
    await collecting;
    // fewer messages than requests, and every request in exactly one of them
    expect(stored.several).toBeGreaterThan(0);
    expect(stored.single + stored.several).toBeLessThan(REQUESTS);
    expect(stored.single + carried.length).toBe(REQUESTS);
    expect(new Set(carried).size).toBe(carried.length);

    const audit = (await (await fetch(`${stack.gatewayUrl}/api/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${stack.stack.adminToken}` } })).json()) as { balanced: boolean };
    expect(audit.balanced).toBe(true);
  }, 60_000);

  it("the router's health counts every completion, batched or not", async () => {
    const deadline = Date.now() + 15_000;
    let samples = 0;
    while (Date.now() < deadline) {
      const body = (await (await fetch(`${stack.gatewayUrl}/api/v1/models/${MODEL}/endpoints`)).json()) as { data: { endpoints: Array<{ provider_name: string; samples: number }> } };
      samples = body.data.endpoints.find((endpoint) => endpoint.provider_name === 'local')?.samples ?? 0;
      if (samples >= REQUESTS) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(samples).toBe(REQUESTS);
  }, 30_000);
});
