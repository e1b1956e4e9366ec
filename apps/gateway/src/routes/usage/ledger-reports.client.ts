import { Inject, Injectable } from '@nestjs/common';
import {
  type CommandContract,
  type CommandRequestInput,
  type CommandResponse,
  LedgerAccountsList,
  LedgerBalanceGet,
  LedgerStatementGet,
  workspaceCreditAccount,
} from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { USAGE_ROUTES_OPTIONS, type UsageRoutesOptions } from './usage-routes.options';

export interface CreditTotals {
  /** Everything ever credited to the workspace (grants, deposits, starter credits). */
  creditedMicros: bigint;
  /** Everything ever debited from it (captured usage). */
  debitedMicros: bigint;
}

/** The ledger's read side for one workspace's credit account, over NATS request/reply; ledger unreachable → 503. */
@Injectable()
export class LedgerReportsClient {
  constructor(
    private readonly bus: NatsBus,
    @Inject(USAGE_ROUTES_OPTIONS) private readonly options: UsageRoutesOptions,
  ) {}

  async balance(workspaceId: string) {
    return this.ask(LedgerBalanceGet, { workspaceId });
  }

  async creditTotals(workspaceId: string): Promise<CreditTotals> {
    const { accounts } = await this.ask(LedgerAccountsList, { codes: [workspaceCreditAccount(workspaceId)], limit: 1 });
    const account = accounts[0];
    if (!account) return { creditedMicros: 0n, debitedMicros: 0n };
    return { creditedMicros: BigInt(account.creditsPostedMicros), debitedMicros: BigInt(account.debitsPostedMicros) };
  }

  async statement(workspaceId: string, afterTransferId: string | undefined, limit: number) {
    return this.ask(LedgerStatementGet, { accountCode: workspaceCreditAccount(workspaceId), afterTransferId, limit });
  }

  private async ask<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>): Promise<CommandResponse<C>> {
    try {
      return await this.bus.request(contract, payload, { timeoutMs: this.options.ledgerTimeoutMs });
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') throw error;
      throw new AppError('service_unavailable', 'The ledger is unavailable; retry shortly.', { cause: error });
    }
  }
}
