import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CommandRequest, LedgerAccountOpen, LedgerAssetAccountOpen, LedgerBalanceGet } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { AccountsService } from './accounts.service';

@Controller()
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @HandleCommand(LedgerAccountOpen)
  open(@Payload() request: CommandRequest<typeof LedgerAccountOpen>) {
    return this.accounts.open(request);
  }

  @HandleCommand(LedgerAssetAccountOpen)
  openAssetAccount(@Payload() request: CommandRequest<typeof LedgerAssetAccountOpen>) {
    return this.accounts.openAssetAccount(request);
  }

  @HandleCommand(LedgerBalanceGet)
  balance(@Payload() request: CommandRequest<typeof LedgerBalanceGet>) {
    return this.accounts.balance(request);
  }
}
