import { startTestStack, type TestStack } from '@switchyard/testing';

/** `/api/v1/credits` as the tests read it. */
export interface Credits {
  balance_micros: string;
  pending_micros: string;
}

export interface SettleOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between polls (default 200 ms). */
  intervalMs?: number;
}

export interface GatewayTestStack {
  stack: TestStack;
  gatewayUrl: string;
  /** The funded workspace created at start, and its API key. */
  workspaceId: string;
  apiKey: string;
  /** Creates another funded workspace with one key, through the admin API. */
  createWorkspace(name: string, creditMicros: string | bigint): Promise<{ id: string; key: string }>;
  /** The workspace's credits (expects 200). */
  credits(key?: string): Promise<Credits>;
  /** Polls the credits until every hold is settled (`pending_micros` is "0": billing captured the exact cost). */
  settledCredits(key?: string, options?: SettleOptions): Promise<Credits>;
  stop(): Promise<void>;
}

/**
 * Ledger, router, billing and gateway as separate processes on a fresh database (see `startTestStack`), with `env`
 * added (upstream keys and base URLs), and one workspace funded with `creditMicros` plus an API key for it.
 */
export async function startGatewayTestStack(options: { env: Record<string, string>; workspace: { name: string; creditMicros: string | bigint } }): Promise<GatewayTestStack> {
  const stack = await startTestStack({ services: ['ledger', 'router', 'billing', 'gateway'], env: options.env });
  const gatewayUrl = stack.url('gateway');
  try {
    const { id, key } = await createFundedWorkspace(gatewayUrl, stack.adminToken, options.workspace.name, options.workspace.creditMicros);
    return {
      stack,
      gatewayUrl,
      workspaceId: id,
      apiKey: key,
      createWorkspace: (name, creditMicros) => createFundedWorkspace(gatewayUrl, stack.adminToken, name, creditMicros),
      credits: (apiKey = key) => fetchCredits(gatewayUrl, apiKey),
      settledCredits: (apiKey = key, settle) => settledCredits(gatewayUrl, apiKey, settle),
      stop: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** A workspace with `creditMicros` of credit and one API key, created through the admin API. */
export async function createFundedWorkspace(gatewayUrl: string, adminToken: string, name: string, creditMicros: string | bigint): Promise<{ id: string; key: string }> {
  const admin = { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` };
  const created = await fetch(`${gatewayUrl}/api/v1/admin/workspaces`, { method: 'POST', headers: admin, body: JSON.stringify({ name, creditMicros: String(creditMicros) }) });
  expect(created.status).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  const key = await fetch(`${gatewayUrl}/api/v1/admin/workspaces/${id}/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'sdk' }) });
  expect(key.status).toBe(201);
  return { id, key: ((await key.json()) as { key: string }).key };
}

export async function fetchCredits(gatewayUrl: string, apiKey: string): Promise<Credits> {
  const response = await fetch(`${gatewayUrl}/api/v1/credits`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Credits;
}

export async function settledCredits(gatewayUrl: string, apiKey: string, { timeoutMs = 30_000, intervalMs = 200 }: SettleOptions = {}): Promise<Credits> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await fetchCredits(gatewayUrl, apiKey);
    if (now.pending_micros === '0') return now;
    if (Date.now() > deadline) throw new Error(`holds not settled: ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
