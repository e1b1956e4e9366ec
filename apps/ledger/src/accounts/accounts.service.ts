import { Injectable } from '@nestjs/common';
import { type CommandRequest, type CommandResponse, LedgerAccountOpen, LedgerAssetAccountOpen, LedgerBalanceGet, microsToWire, workspaceCreditAccount } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { AccountsRepository } from './accounts.repository';

@Injectable()
export class AccountsService {
  constructor(private readonly accounts: AccountsRepository) {}

  async open(request: CommandRequest<typeof LedgerAccountOpen>): Promise<CommandResponse<typeof LedgerAccountOpen>> {
    const accountCodes = await this.accounts.openWorkspace(request.workspaceId);
    return { workspaceId: request.workspaceId, accountCodes };
  }

  async openAssetAccount(request: CommandRequest<typeof LedgerAssetAccountOpen>): Promise<CommandResponse<typeof LedgerAssetAccountOpen>> {
    await this.accounts.openAssetAccount(request.accountCode);
    return { accountCode: request.accountCode };
  }

  /** The spendable balance of a workspace credit account (a liability: credits are what we owe). */
  async balance(request: CommandRequest<typeof LedgerBalanceGet>): Promise<CommandResponse<typeof LedgerBalanceGet>> {
    const counters = await this.accounts.findCounters(workspaceCreditAccount(request.workspaceId));
    if (!counters) throw new AppError('not_found', `Workspace ${request.workspaceId} has no ledger account.`, { details: { workspaceId: request.workspaceId } });
    const posted = counters.creditsPosted - counters.debitsPosted;
    const pending = counters.debitsPending;
    return {
      workspaceId: request.workspaceId,
      postedMicros: microsToWire(posted),
      pendingMicros: microsToWire(pending),
      availableMicros: microsToWire(posted - pending),
    };
  }
}
