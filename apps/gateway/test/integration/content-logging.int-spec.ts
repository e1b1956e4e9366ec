import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import OpenAI from 'openai';
import { Client } from 'pg';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { eventually } from '../support/eventually';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const UPSTREAM_KEY = 'sk-content-upstream';
const CONTENT_BYTES_MAX = 2_048;
const MARKER = '…[truncated by Switchyard]';

interface Generation {
  id: string;
  prompt?: string;
  completion?: string;
  tool_calls?: string | null;
  content_truncated?: boolean;
}

interface CompletedEvent {
  requestId: string;
  content?: { prompt: string; completion: string; toolCalls: string | null; truncated: boolean };
}

const bytes = (text: string | null | undefined) => Buffer.byteLength(text ?? '', 'utf8');

// Content logging on the real stack (gateway, billing, ledger, router as processes; Postgres, Redis, NATS JetStream),
// the official openai SDK as the client and a fake OpenAI upstream: off by default (nothing in the event, the table or
// the generation), opt-in per workspace with a per-key opt-out, streams assembled, bounded, and deleted after retention.
describe('content logging: prompts and completions stored only for workspaces that opt in', () => {
  const upstream = new FakeOpenAiUpstream({ apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'] });
  let stack: GatewayTestStack;
  let db: Client;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let second = { id: '', key: '' };

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      env: {
        OPENAI_API_KEY: UPSTREAM_KEY,
        OPENAI_BASE_URL: upstream.baseUrl,
        CONTENT_LOGGING_BYTES_MAX: String(CONTENT_BYTES_MAX),
        CONTENT_RETENTION_DAYS: '1',
        CONTENT_RETENTION_SWEEP_MS: '1000',
      },
      workspace: { name: 'content', creditMicros: 5_000_000n },
    });
    db = new Client({ connectionString: stack.stack.database.url });
    await db.connect();
    nc = await connect({ servers: stack.stack.env.NATS_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    jsm = await jetstreamManager(nc);
    const created = await admin('POST', `/workspaces/${stack.workspaceId}/keys`, { name: 'no-content' });
    expect(created.status).toBe(201);
    second = (await created.json()) as { id: string; key: string };
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await db?.end();
    await stack?.stop();
    await upstream.stop();
  });

  const admin = (method: string, path: string, body?: object) =>
    fetch(`${stack.gatewayUrl}/api/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.stack.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const sdk = (apiKey = stack.apiKey) => new OpenAI({ apiKey, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
  const tag = () => `c-${randomBytes(5).toString('hex')}`;

  /** The generation once billing has logged it (it settles just after the response). */
  const generation = async (id: string): Promise<Generation> => {
    const response = await eventually(
      () => fetch(`${stack.gatewayUrl}/api/v1/generation?id=${id}`, { headers: { authorization: `Bearer ${stack.apiKey}` } }),
      (r) => r.status === 200,
      15_000,
    );
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Generation }).data;
  };
  const storedRows = async (id: string) => (await db.query('SELECT prompt, completion, tool_calls, truncated FROM billing.request_contents WHERE request_id = $1', [id])).rows;

  /** The gateway.request.completed event of one request, read back from the stack's JetStream stream. */
  const completedEvent = async (id: string): Promise<{ raw: string; event: CompletedEvent }> => {
    const stream = `${stack.stack.subjectPrefix.replace(/\./g, '_').toUpperCase()}GATEWAY_EVENTS`;
    const info = await jsm.streams.info(stream);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!message) continue;
      const raw = new TextDecoder().decode(message.data);
      const event = JSON.parse(raw) as CompletedEvent;
      if (event.requestId === id) return { raw, event };
    }
    throw new Error(`no completed event for ${id}`);
  };

  const settings = (body: object) => admin('PUT', `/workspaces/${stack.workspaceId}/settings`, body);

  it('is off by default: nothing of the content in the event, the table or the generation', async () => {
    const current = await fetch(`${stack.gatewayUrl}/api/v1/workspace/settings`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
    expect(current.status).toBe(200);
    expect(await current.json()).toMatchObject({ store_content: false, store_content_excluded_key_ids: [], content_bytes_max: CONTENT_BYTES_MAX });

    const marker = tag();
    const { data, response } = await sdk().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `secret ${marker}` }], max_tokens: 20 }).withResponse();
    const id = response.headers.get('x-switchyard-request-id')!;
    expect(data.choices[0].message.content).toBe('Hello! How can I assist you today?');

    const logged = await generation(id);
    for (const field of ['prompt', 'completion', 'tool_calls', 'content_truncated']) expect(logged).not.toHaveProperty(field);
    expect(await storedRows(id)).toEqual([]);
    const { raw, event } = await completedEvent(id);
    expect(event).not.toHaveProperty('content');
    expect(raw).not.toContain(marker);
    expect(raw).not.toContain('How can I assist');
  });

  it('only an owner (session or management key) or the operator changes it; an inference key cannot', async () => {
    const refused = await fetch(`${stack.gatewayUrl}/api/v1/workspace/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ store_content: true }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const foreign = await settings({ store_content: true, store_content_excluded_key_ids: ['00000000-0000-4000-8000-000000000000'] });
    expect(foreign.status).toBe(400);
    const saved = await settings({ store_content: true, store_content_excluded_key_ids: [second.id] });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ workspace_id: stack.workspaceId, store_content: true, store_content_excluded_key_ids: [second.id] });
  });

  it('opted in: a non-streamed request’s messages and answer are stored and shown in its generation (and carried by its event)', async () => {
    const marker = tag();
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: `hello ${marker}` },
    ];
    const { data, response } = await sdk().chat.completions.create({ model: 'openai/gpt-4o-mini', messages, max_tokens: 20 }).withResponse();
    const id = response.headers.get('x-switchyard-request-id')!;

    const logged = await generation(id);
    expect(JSON.parse(logged.prompt!)).toEqual(messages);
    expect(logged.completion).toBe(data.choices[0].message.content);
    expect(logged.tool_calls).toBeNull();
    expect(logged.content_truncated).toBe(false);
    expect(await storedRows(id)).toEqual([{ prompt: JSON.stringify(messages), completion: 'Hello! How can I assist you today?', tool_calls: null, truncated: false }]);
    expect((await completedEvent(id)).event.content).toEqual({ prompt: JSON.stringify(messages), completion: 'Hello! How can I assist you today?', toolCalls: null, truncated: false });
  });

  it('opted in: a stream is assembled from its deltas, tool calls included', async () => {
    const marker = tag();
    const stream = await sdk().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `stream ${marker}` }], max_tokens: 40, stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? '';
    const id = stream.response.headers.get('x-switchyard-request-id')!;
    expect(text).toBe('Hello! How can I assist you today? Ünïcödé ✓');
    const logged = await generation(id);
    expect(logged.completion).toBe(text);
    expect(logged.prompt).toContain(marker);

    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    ];
    const called = await sdk().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `weather ${tag()}` }], tools, max_tokens: 60, stream: true }).withResponse();
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    for await (const chunk of called.data) {
      for (const piece of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const call = calls.get(piece.index) ?? { id: '', name: '', arguments: '' };
        call.id = piece.id ?? call.id;
        call.name += piece.function?.name ?? '';
        call.arguments += piece.function?.arguments ?? '';
        calls.set(piece.index, call);
      }
    }
    expect(calls.size).toBe(2);
    const toolLogged = await generation(called.response.headers.get('x-switchyard-request-id')!);
    const storedCalls = JSON.parse(toolLogged.tool_calls!) as Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
    expect(storedCalls).toEqual([...calls.values()].map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })));
  });

  it('bounds the stored content to CONTENT_LOGGING_BYTES_MAX, cut with a marker', async () => {
    const long = `long ${tag()} ${'ж'.repeat(6_000)}`;
    const { response } = await sdk().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: long }], max_tokens: 20 }).withResponse();
    const id = response.headers.get('x-switchyard-request-id')!;
    const logged = await generation(id);
    expect(logged.content_truncated).toBe(true);
    expect(logged.prompt!.endsWith(MARKER)).toBe(true);
    expect(logged.completion).toBe('Hello! How can I assist you today?');
    expect(bytes(logged.prompt) + bytes(logged.completion) + bytes(logged.tool_calls)).toBeLessThanOrEqual(CONTENT_BYTES_MAX);
    const [row] = await storedRows(id);
    expect(bytes(row.prompt)).toBeLessThan(bytes(long));
  });

  it('a key that opted out is never stored, even with the workspace opted in', async () => {
    const marker = tag();
    const { response } = await sdk(second.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `other key ${marker}` }], max_tokens: 20 }).withResponse();
    const id = response.headers.get('x-switchyard-request-id')!;
    const logged = await generation(id);
    expect(logged).not.toHaveProperty('prompt');
    expect(await storedRows(id)).toEqual([]);
    expect((await completedEvent(id)).raw).not.toContain(marker);
  });

  it('deletes content older than CONTENT_RETENTION_DAYS; newer content stays', async () => {
    const ids: string[] = [];
    for (const label of ['old', 'new']) {
      const { response } = await sdk().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `${label} ${tag()}` }], max_tokens: 20 }).withResponse();
      ids.push(response.headers.get('x-switchyard-request-id')!);
    }
    const [oldId, newId] = ids;
    await generation(newId);
    expect((await generation(oldId)).completion).toBeDefined();
    // Stored two days ago, as far as the retention can tell.
    await db.query(`UPDATE billing.request_contents SET created_at = now() - interval '2 days' WHERE request_id = $1`, [oldId]);
    const rows = await eventually(() => storedRows(oldId), (r) => r.length === 0, 15_000);
    expect(rows).toEqual([]);
    expect(await generation(oldId)).not.toHaveProperty('prompt');
    expect(await storedRows(newId)).toHaveLength(1);
    expect((await generation(newId)).completion).toBe('Hello! How can I assist you today?');
  });
});
