import { randomUUID } from 'node:crypto';
import { LedgerBalanceGet, LedgerHoldCreate, workspaceCreditAccount } from '@switchyard/contracts';
import { fundedLedgerWorkspace, type TestCommandClient } from '@switchyard/testing';

/** Workspaces, credit and holds in a real ledger, through its NATS commands and HTTP reports. */
export class LedgerWorkspaces {
  constructor(
    private readonly client: TestCommandClient,
    private readonly ledgerUrl: () => string,
  ) {}

  /** A workspace with its accounts open and `fundedMicros` of credit granted. */
  funded(fundedMicros: bigint): Promise<string> {
    return fundedLedgerWorkspace(this.client, fundedMicros);
  }

  async hold(workspaceId: string, amountMicros: bigint): Promise<string> {
    const holdId = `hold_${randomUUID()}`;
    await this.client.request(LedgerHoldCreate, { holdId, workspaceId, amountMicros: amountMicros.toString(), timeoutMs: 600_000, metadata: {} });
    return holdId;
  }

  async balance(workspaceId: string): Promise<{ posted: bigint; pending: bigint; available: bigint }> {
    const reply = await this.client.request(LedgerBalanceGet, { workspaceId });
    return { posted: BigInt(reply.postedMicros), pending: BigInt(reply.pendingMicros), available: BigInt(reply.availableMicros) };
  }

  /** The workspace credit account's transfers, newest first. */
  async statement(workspaceId: string): Promise<Array<{ amountMicros: string; metadata: Record<string, unknown> }>> {
    const response = await fetch(`${this.ledgerUrl()}/accounts/${encodeURIComponent(workspaceCreditAccount(workspaceId))}/transfers?limit=500`);
    if (response.status !== 200) throw new Error(`statement: HTTP ${response.status}`);
    return ((await response.json()) as { transfers: Array<{ amountMicros: string; metadata: Record<string, unknown> }> }).transfers;
  }

  async audit(): Promise<{ balanced: boolean; mismatchedAccounts: unknown[] }> {
    const response = await fetch(`${this.ledgerUrl()}/audit`);
    if (response.status !== 200) throw new Error(`audit: HTTP ${response.status}`);
    return (await response.json()) as { balanced: boolean; mismatchedAccounts: unknown[] };
  }
}
