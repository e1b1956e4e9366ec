import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { chargeRows, holdStates } from '../../../e2e/src/chaos/money-checks';
import { PacedNativeUpstream } from '../fake-upstreams/paced-native.fake-upstream';
import { eventually } from '../support/eventually';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

/** gpt-4o-mini at $0.15 / $0.60 per Mtok: the fake's 1000 prompt + 5 completion tokens → 150 + 3 µUSD. */
const OPENAI_COST = 153n;
/** gemini-2.5-flash at $0.30 / $2.50 per Mtok: 1000 prompt + 5 output tokens → ceil(300 + 12.5) µUSD. */
const GEMINI_COST = 313n;
const HOLD_TIMEOUT_MS = 4_000;

interface Seen {
  requestId: string;
  text: string;
  /** The client saw the answer complete (its closing event, or a whole JSON body). */
  sawEnd: boolean;
}

/**
 * Issue 13, native pass-through: a served answer is published before its last bytes go out, so a gateway killed
 * with SIGKILL (a real separate process) the instant its client saw the answer end still bills it, exactly once; a
 * request whose client never saw the end is not charged, and its retry is charged once.
 */
describe('native pass-through: kill -9 the gateway at the end of an answer (real ledger and billing)', () => {
  const upstream = new PacedNativeUpstream();
  let stack: GatewayTestStack;
  let nats: NatsConnection;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      env: {
        OPENAI_API_KEY: 'sk-test-paced',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        GEMINI_API_KEY: 'gemini-test-paced',
        GEMINI_BASE_URL: upstream.url,
        // An orphaned hold (its gateway killed before publishing) expires within the test.
        HOLD_TIMEOUT_MS: String(HOLD_TIMEOUT_MS),
        LEDGER_SWEEP_INTERVAL_MS: '250',
      },
      workspace: { name: 'passthrough-kill', creditMicros: 1_000_000n },
    });
    nats = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  }, 120_000);

  afterAll(async () => {
    await nats?.close();
    await stack?.stop();
    await upstream.stop();
  });

  const gateway = () => stack.stack.services.get('gateway')!;
  const balance = async () => BigInt((await stack.settledCredits()).balance_micros);

  /** Reads the answer; the moment `ended` holds for what arrived, the gateway gets SIGKILL (before any more reading). */
  async function readAndKillAtEnd(path: string, body: object, ended: (text: string) => boolean): Promise<Seen> {
    const response = await fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (ended(text)) {
          gateway().process.kill('SIGKILL');
          return { requestId, text, sawEnd: true };
        }
      }
    } catch {
      // the stream broke
    }
    return { requestId, text, sawEnd: false };
  }

  async function restartGateway(): Promise<void> {
    await gateway().kill();
    await stack.stack.restart('gateway');
  }

  /** Billing's charge for one request once it is written (undefined if there is none by then). */
  const chargeOf = (requestId: string, timeoutMs = 10_000) =>
    eventually(
      async () => (await chargeRows(stack.stack.database.url)).get(requestId),
      (charge) => charge !== undefined,
      timeoutMs,
    );

  const wholeJson = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['OpenAI stream, [DONE]', '/openai/v1/chat/completions', { model: 'gpt-4o-mini', stream: true }, (t: string) => t.includes('data: [DONE]\n\n'), OPENAI_COST],
    ['Gemini stream, finishReason chunk', '/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', {}, (t: string) => t.includes('"finishReason":"STOP"'), GEMINI_COST],
    ['OpenAI JSON answer', '/openai/v1/chat/completions', { model: 'gpt-4o-mini' }, wholeJson, OPENAI_COST],
  ])('%s: the client saw the whole answer, the gateway died at once — charged exactly once', async (name, path, request, ended, cost) => {
    const before = await balance();
    // The upstream keeps its body open 1.5 s after the answer: the gateway must not let the end out before publishing.
    const content = `[[paced tokens=5 linger=1500]] ${name}`;
    const seen = await readAndKillAtEnd(path, path.includes('/google/') ? { contents: [{ role: 'user', parts: [{ text: content }] }] } : { ...request, messages: [{ role: 'user', content }] }, ended);
    expect(seen.sawEnd).toBe(true);
    expect(seen.text).toContain(' t4');
    await restartGateway();

    const charge = await chargeOf(seen.requestId);
    expect(charge).toMatchObject({ costMicros: cost, outcome: 'succeeded' });
    expect(before - (await balance())).toBe(cost);
    expect((await holdStates(stack.stack.database.url)).get(seen.requestId)).toMatchObject({ resolution: 'post', chargedMicros: cost });
  });

  it('the gateway died after the completion was published, before or as the last bytes went out: charged exactly once', async () => {
    const before = await balance();
    const subject = `${stack.stack.subjectPrefix}gateway.request.completed`;
    const subscription = nats.subscribe(subject);
    const response = await fetch(`${stack.gatewayUrl}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: '[[paced tokens=5 linger=500]] killed at the publish' }] }),
    });
    const requestId = response.headers.get('x-request-id')!;
    const body = response.text().catch(() => '');
    for await (const message of subscription) {
      if ((message.json() as { requestId: string }).requestId !== requestId) continue;
      gateway().process.kill('SIGKILL');
      break;
    }
    subscription.unsubscribe();
    const text = await body;
    await restartGateway();

    // Whichever way the race between the kill and the last bytes went, the published completion bills it once.
    const charge = await chargeOf(requestId);
    expect(charge).toMatchObject({ costMicros: OPENAI_COST, outcome: 'succeeded' });
    expect(before - (await balance())).toBe(OPENAI_COST);
    process.stdout.write(`\nkilled at the publish: the client ${text.includes('[DONE]') ? 'saw' : 'did not see'} [DONE]\n`);
  });

  it('the client never saw the end: not charged; its retry is charged once', async () => {
    const before = await balance();
    const content = '[[paced tokens=3 interval=20 pause=3000]] never saw the end';
    // Every token arrived, the closing events had not: the gateway dies in the pause.
    const seen = await readAndKillAtEnd('/openai/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] }, (t) => t.includes(' t2'));
    expect(seen.text).not.toContain('[DONE]');
    await restartGateway();

    // No completion was published: only the ledger's expiry resolves the hold, and nothing is charged.
    expect(await balance()).toBe(before);
    const hold = await eventually(async () => (await holdStates(stack.stack.database.url)).get(seen.requestId), (h) => h?.resolution === 'expire', HOLD_TIMEOUT_MS + 10_000);
    expect(hold).toMatchObject({ resolution: 'expire', chargedMicros: 0n });
    expect((await chargeRows(stack.stack.database.url)).get(seen.requestId)).toBeUndefined();

    const retry = await fetch(`${stack.gatewayUrl}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: '[[paced tokens=5]] the retry' }] }),
    });
    expect(await retry.text()).toContain('data: [DONE]');
    expect(before - (await balance())).toBe(OPENAI_COST);
    expect((await chargeOf(seen.requestId, 1_000)) ?? null).toBeNull();
  });
});
