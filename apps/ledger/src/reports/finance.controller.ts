import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CommandRequest, LedgerAccountsList, LedgerAuditRun, LedgerJournalExport, LedgerStatementGet, LedgerTrialBalanceGet } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { FinanceService } from './finance.service';

/** The finance read side over NATS request/reply (the gateway's admin API asks here). */
@Controller()
export class FinanceController {
  constructor(private readonly finance: FinanceService) {}

  @HandleCommand(LedgerAccountsList)
  accounts(@Payload() request: CommandRequest<typeof LedgerAccountsList>) {
    return this.finance.accounts(request);
  }

  @HandleCommand(LedgerStatementGet)
  statement(@Payload() request: CommandRequest<typeof LedgerStatementGet>) {
    return this.finance.statement(request);
  }

  @HandleCommand(LedgerTrialBalanceGet)
  trialBalance(@Payload() request: CommandRequest<typeof LedgerTrialBalanceGet>) {
    return this.finance.trialBalance(request);
  }

  @HandleCommand(LedgerJournalExport)
  journal(@Payload() request: CommandRequest<typeof LedgerJournalExport>) {
    return this.finance.journal(request);
  }

  @HandleCommand(LedgerAuditRun)
  audit() {
    return this.finance.audit();
  }
}
