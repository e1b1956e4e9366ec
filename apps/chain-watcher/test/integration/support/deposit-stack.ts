import { startAnvil, startTestStack, type AnvilChain, type TestStack } from '@switchyard/testing';
import { Client } from 'pg';
import { LocalUsdt, payer, treasuryXpub } from './local-usdt';

export const CHAIN_ID = 137;
export const usd = (dollars: number) => BigInt(Math.round(dollars * 100)) * 10_000n; // 6 decimals

export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface DepositApi {
  id: string;
  tx_hash: string;
  log_index: number;
  block_number: string;
  amount_micros: string;
  status: 'pending' | 'confirmed' | 'dropped';
  confirmations: string;
  credit_status: string;
  credit: { id: string; gross_micros: string; fee_micros: string; net_micros: string; booked_at: string | null } | null;
}

/** A local chain with MockUSDT, and ledger + chain-watcher + gateway pointed at it, on a fresh database. */
export class DepositStack {
  private constructor(readonly anvil: AnvilChain, readonly usdt: LocalUsdt, readonly stack: TestStack, readonly pg: Client) {}

  /** `env` overrides the stack's env; as a function it sees the chain (e.g. to put a proxy in front of it). */
  static async start(options: { slotsInAnEpoch: number; env?: Record<string, string> | ((anvil: AnvilChain) => Promise<Record<string, string>>) }): Promise<DepositStack> {
    const anvil = await startAnvil({ chainId: CHAIN_ID, slotsInAnEpoch: options.slotsInAnEpoch });
    try {
      const overrides = typeof options.env === 'function' ? await options.env(anvil) : options.env;
      const usdt = await LocalUsdt.deploy(anvil);
      await usdt.mint(payer.address, usd(10_000));
      const stack = await startTestStack({
        services: ['ledger', 'chain-watcher', 'gateway'],
        env: {
          CHAIN_RPC_URL: anvil.rpcUrl,
          CHAIN_ID: String(CHAIN_ID),
          CHAIN_TOKEN_ADDRESS: usdt.address,
          CHAIN_DEPOSIT_XPUB: treasuryXpub(),
          CHAIN_START_BLOCK: '0',
          CHAIN_POLL_INTERVAL_MS: '150',
          ...overrides,
        },
      });
      const pg = new Client({ connectionString: stack.database.url });
      await pg.connect();
      return new DepositStack(anvil, usdt, stack, pg);
    } catch (error) {
      await anvil.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.pg?.end().catch(() => undefined);
    await this.stack?.stop();
    await this.anvil?.stop();
  }

  async api<T>(token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.stack.url('gateway')}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async workspace(name: string): Promise<{ id: string; key: string; address: `0x${string}` }> {
    const admin = this.stack.adminToken;
    const { body: ws } = await this.api<{ id: string }>(admin, '/api/v1/admin/workspaces', { method: 'POST', body: { name } });
    const { body: key } = await this.api<{ key: string }>(admin, `/api/v1/admin/workspaces/${ws.id}/keys`, { method: 'POST', body: { name: 'test' } });
    const { status, body } = await this.api<{ address: `0x${string}` }>(key.key, '/api/v1/deposits/address');
    if (status !== 200) throw new Error(`deposit address: ${status} ${JSON.stringify(body)}`);
    return { id: ws.id, key: key.key, address: body.address };
  }

  async deposits(key: string): Promise<DepositApi[]> {
    const { status, body } = await this.api<{ data: DepositApi[] }>(key, '/api/v1/deposits');
    if (status !== 200) throw new Error(`deposits: ${status} ${JSON.stringify(body)}`);
    return body.data;
  }

  async balanceMicros(key: string): Promise<bigint> {
    const { body } = await this.api<{ balance_micros: string }>(key, '/api/v1/credits');
    return BigInt(body.balance_micros);
  }

  async audit() {
    return (await this.api<{ balanced: boolean; sumMicros: string; mismatches: unknown[]; overdrawnAccounts: string[] }>(this.stack.adminToken, '/api/v1/admin/ledger/audit')).body;
  }

  /** Ledger transfers booked for deposits into a workspace (the ledger's journal is the proof of "once"). */
  async ledgerDepositTransfers(workspaceId: string): Promise<Array<{ idempotency_key: string; amount: string; reason: string }>> {
    const { rows } = await this.pg.query(
      `SELECT t.idempotency_key, t.amount::text AS amount, t.reason FROM ledger.transfers t JOIN ledger.accounts c ON c.id = t.credit_account_id
       WHERE t.reason = 'deposit' AND c.code = $1 ORDER BY t.id`,
      [`liability:workspace_credit:${workspaceId}`],
    );
    return rows;
  }

  async scannedBlock(): Promise<bigint> {
    const { rows } = await this.pg.query(`SELECT scanned_block::text AS scanned FROM chain.follower_cursors WHERE chain_id = $1`, [CHAIN_ID]);
    return rows[0]?.scanned ? BigInt(rows[0].scanned) : -1n;
  }

  /** Mines past finality for `block` and waits until the follower scanned it. */
  async finalize(block: bigint, slotsInAnEpoch: number): Promise<void> {
    const needed = Number(block + BigInt(2 * slotsInAnEpoch) - (await this.usdt.head()));
    if (needed > 0) await this.usdt.mine(needed);
    await eventually(() => this.scannedBlock(), (scanned) => scanned >= block);
  }
}
