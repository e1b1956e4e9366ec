import { randomUUID } from 'node:crypto';
import { LedgerAccountOpen, LedgerTransferCreate, SYSTEM_ACCOUNTS, workspaceCreditAccount } from '@switchyard/contracts';
import type { TestCommandClient } from './test-command.client';

/** A new workspace in a running ledger: accounts open and `amountMicros` of operator credit granted (none for 0). */
export async function fundedLedgerWorkspace(commands: TestCommandClient, amountMicros: bigint): Promise<string> {
  const workspaceId = randomUUID();
  await commands.request(LedgerAccountOpen, { workspaceId });
  if (amountMicros === 0n) return workspaceId;
  await commands.request(LedgerTransferCreate, {
    journalKey: `grant:${workspaceId}`,
    transfers: [
      {
        idempotencyKey: `grant:${workspaceId}`,
        debitAccount: SYSTEM_ACCOUNTS.ownerEquity,
        creditAccount: workspaceCreditAccount(workspaceId),
        amountMicros: amountMicros.toString(),
        reason: 'operator_grant',
        metadata: {},
      },
    ],
  });
  return workspaceId;
}
