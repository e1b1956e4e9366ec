import { countTokens } from 'gpt-tokenizer';
import { chargeRows } from '../../../e2e/src/chaos/money-checks';
import { PACED_OPENAI_PROMPT_TOKENS, PacedNativeUpstream } from '../fake-upstreams/paced-native.fake-upstream';
import { eventually } from '../support/eventually';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const STREAM_DURATION_MS_MAX = 2_000;
/** gpt-4o-mini at $0.15 / $0.60 per Mtok, rounded up to a whole µUSD. */
const costMicros = (promptTokens: number, completionTokens: number) => (BigInt(promptTokens) * 150_000n + BigInt(completionTokens) * 600_000n + 999_999n) / 1_000_000n;

/**
 * Issue 13, native pass-through streams obey the pipeline's stream limits: GATEWAY_STREAMS_PER_KEY_MAX (one slot
 * here, shared with the main pipeline's streams) and GATEWAY_STREAM_DURATION_MS_MAX (a cut stream ends with the
 * error in the API's own shape and is billed for what was produced).
 */
describe('native pass-through stream limits (paced fake upstream, real Redis, ledger and billing)', () => {
  const upstream = new PacedNativeUpstream();
  let stack: GatewayTestStack;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      env: {
        OPENAI_API_KEY: 'sk-test-paced',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        GATEWAY_STREAMS_PER_KEY_MAX: '1',
        GATEWAY_STREAM_DURATION_MS_MAX: String(STREAM_DURATION_MS_MAX),
      },
      workspace: { name: 'passthrough-limits', creditMicros: 1_000_000n },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
  });

  const post = (key: string, path: string, body: object, signal?: AbortSignal) =>
    fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  const native = (key: string, content: string, options: { stream?: boolean; signal?: AbortSignal } = {}) =>
    post(key, '/openai/v1/chat/completions', { model: 'gpt-4o-mini', stream: options.stream ?? true, messages: [{ role: 'user', content }] }, options.signal);
  /** Reads a stream until `text` shows up; returns the reader to go on with. */
  async function readUntil(response: Response, text: string): Promise<{ reader: ReadableStreamDefaultReader<Uint8Array>; seen: string }> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes(text)) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`stream ended before ${text}: ${seen}`);
      seen += decoder.decode(value, { stream: true });
    }
    return { reader, seen };
  }
  const balance = async (key: string) => BigInt((await stack.settledCredits(key)).balance_micros);

  it('refuses a key over its stream limit (429 in the envelope, nothing held or sent upstream); the slot is freed when the stream ends', async () => {
    const { key } = await stack.createWorkspace('slots', 1_000_000n);
    const before = await balance(key);
    const open = await native(key, '[[paced tokens=10 interval=100]] first');
    expect(open.status).toBe(200);
    const first = await readUntil(open, ' t0');
    const upstreamCalls = upstream.requests.length;

    const refused = await native(key, '[[paced tokens=3]] second');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', type: 'rate_limit_error' } });
    // The slots are the key's, whichever route streams: the main pipeline's stream is refused too.
    const pipeline = await post(key, '/v1/chat/completions', { model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'pipeline' }] });
    expect(pipeline.status).toBe(429);
    await pipeline.text();
    expect(upstream.requests.length).toBe(upstreamCalls);
    // A non-streamed request takes no slot.
    const json = await native(key, '[[paced tokens=3]] not streamed', { stream: false });
    expect(json.status).toBe(200);
    await json.text();

    let rest = first.seen;
    for (let chunk = await first.reader.read(); !chunk.done; chunk = await first.reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toContain('data: [DONE]');
    const next = await eventually(() => native(key, '[[paced tokens=3]] after the first ended'), (r) => r.status === 200, 3_000);
    expect(next.status).toBe(200);
    expect(await next.text()).toContain('data: [DONE]');

    // Charged for the three served answers only: 10, 3 and 3 completion tokens.
    expect(before - (await balance(key))).toBe(costMicros(PACED_OPENAI_PROMPT_TOKENS, 10) + 2n * costMicros(PACED_OPENAI_PROMPT_TOKENS, 3));
  });

  it('frees the slot when the client aborts, and bills what was produced', async () => {
    const { key } = await stack.createWorkspace('slots-abort', 1_000_000n);
    const abort = new AbortController();
    const open = await native(key, '[[paced tokens=100 interval=100]] abandoned', { signal: abort.signal });
    const requestId = open.headers.get('x-request-id')!;
    await readUntil(open, ' t1');
    expect((await native(key, '[[paced tokens=3]] while open')).status).toBe(429);
    abort.abort();

    const next = await eventually(() => native(key, '[[paced tokens=3]] after the abort'), (r) => r.status === 200, 3_000);
    expect(next.status).toBe(200);
    await next.text();
    expect(upstream.requests.find((r) => JSON.stringify(r.body).includes('abandoned'))?.aborted).toBe(true);
    const charge = await eventually(async () => (await chargeRows(stack.stack.database.url)).get(requestId), (c) => c !== undefined);
    expect(charge?.outcome).toBe('client_aborted');
    expect(charge!.costMicros).toBeGreaterThan(0n);
  });

  it('cuts a stream at the maximum duration with an error event in the native shape, and bills exactly what was produced', async () => {
    const { key } = await stack.createWorkspace('duration', 1_000_000n);
    const before = await balance(key);
    const startedMs = Date.now();
    const response = await native(key, '[[paced tokens=100 interval=100]] too long');
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const text = await response.text();
    const elapsedMs = Date.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(STREAM_DURATION_MS_MAX);
    expect(elapsedMs).toBeLessThan(STREAM_DURATION_MS_MAX + 2_000);

    // OpenAI's own way to end a stream with an error: a last `data:` event with the error envelope, no [DONE].
    expect(text).not.toContain('[DONE]');
    const events = text.split('\n\n').filter(Boolean);
    const last = JSON.parse(events.at(-1)!.slice('data: '.length)) as { error: { code: string; type: string; message: string } };
    expect(last.error).toMatchObject({ code: 'upstream_timeout', type: 'api_error' });
    expect(last.error.message).toContain(`${STREAM_DURATION_MS_MAX} ms`);

    // Billed for the tokens the client received, counted (the provider reports usage only at the end).
    const produced = [...text.matchAll(/"content":"( t\d+)"/g)].map((m) => m[1]).join('');
    expect(produced.length).toBeGreaterThan(0);
    expect(produced).not.toContain(' t99');
    // The gateway aborts the upstream call at the cap; the fake upstream may see its socket close just after the
    // client has read the last event.
    const sent = (await eventually(async () => upstream.requests.find((r) => JSON.stringify(r.body).includes('too long')), (r) => r?.aborted === true, 3_000))!;
    expect(sent.aborted).toBe(true);
    const expected = costMicros(countTokens(JSON.stringify(sent.body)), countTokens(produced));
    const charge = await eventually(async () => (await chargeRows(stack.stack.database.url)).get(requestId), (c) => c !== undefined);
    expect(charge).toMatchObject({ costMicros: expected, outcome: 'failed' });
    expect(before - (await balance(key))).toBe(expected);

    // The cut stream gave its slot back.
    const next = await eventually(() => native(key, '[[paced tokens=3]] after the cut'), (r) => r.status === 200, 3_000);
    expect(next.status).toBe(200);
  });
});
