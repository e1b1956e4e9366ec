import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import OpenAI from 'openai';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

/**
 * GATEWAY_WORKERS=2: one primary forking two gateway processes on one port (node:cluster). What an operator of a
 * single host relies on: both serve (and bill) requests, a crashed worker is replaced while the other keeps serving,
 * and SIGTERM drains every worker before the primary exits.
 */
const MODEL = 'meta-llama/llama-3.1-8b-instruct';

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GET on a new connection each time (no keep-alive), so the port's current workers answer. */
function freshGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(read: () => T, accept: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('gateway workers: GATEWAY_WORKERS=2 on one port', () => {
  const upstream = new FakeOpenAiUpstream({});
  let stack: GatewayTestStack;
  let primaryPid: number;

  beforeAll(async () => {
    await upstream.start();
    stack = await startGatewayTestStack({
      env: { LOCAL_OPENAI_BASE_URL: upstream.baseUrl, GATEWAY_WORKERS: '2' },
      workspace: { name: 'gateway-workers', creditMicros: 5_000_000n },
    });
    primaryPid = stack.stack.services.get('gateway')!.process.pid!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
  });

  it('the primary runs two workers; chat requests through the one port are answered and billed', async () => {
    await until(() => childPids(primaryPid), (pids) => pids.length === 2, 30_000, 'gateway workers');
    const before = await stack.credits();
    const client = new OpenAI({ apiKey: stack.apiKey, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `hello ${i}` }], max_tokens: 50 })),
    );
    expect(answers.every((answer) => typeof answer.choices[0]?.message.content === 'string' && answer.usage!.total_tokens > 0)).toBe(true);
    expect(upstream.requestsContaining('hello ').length).toBeGreaterThanOrEqual(16);
    const after = await stack.settledCredits();
    expect(BigInt(after.balance_micros)).toBeLessThan(BigInt(before.balance_micros));
  }, 60_000);

  it('a worker killed with SIGKILL is replaced, and the port answers throughout', async () => {
    const [victim, survivor] = childPids(primaryPid);
    process.kill(victim!, 'SIGKILL');
    await until(() => alive(victim!), (isAlive) => !isAlive, 10_000, 'killed worker');
    // the survivor serves every new connection while the replacement starts
    for (let i = 0; i < 5; i++) expect(await freshGet(`${stack.gatewayUrl}/healthz`)).toBe(200);
    const pids = await until(() => childPids(primaryPid), (now) => now.length === 2 && !now.includes(victim!), 30_000, 'replacement worker');
    expect(pids).toContain(survivor);
    // the replacement becomes ready and the money path still works
    const client = new OpenAI({ apiKey: stack.apiKey, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    const deadline = Date.now() + 30_000;
    let served = 0;
    while (served < 8 && Date.now() < deadline) {
      const answer = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `after ${served}` }], max_tokens: 20 }).catch(() => undefined);
      if (answer) served++;
    }
    expect(served).toBe(8);
  }, 90_000);

  it('SIGTERM on the primary drains both workers, then the primary exits', async () => {
    const workers = childPids(primaryPid);
    expect(workers).toHaveLength(2);
    await stack.stack.services.get('gateway')!.stop();
    expect(alive(primaryPid)).toBe(false);
    await until(() => workers.filter(alive), (left) => left.length === 0, 5_000, 'workers after SIGTERM');
    // the one restart was the crash above; stopping restarted nothing
    expect(stack.stack.services.get('gateway')!.output().match(/worker exited; starting another/g)).toHaveLength(1);
  }, 60_000);
});
