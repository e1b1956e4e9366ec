import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ChainAddressGet, ChainDepositsList, ChainTxVerify, type CommandRequest } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { DepositsService } from './deposits.service';

@Controller()
export class DepositsController {
  constructor(private readonly deposits: DepositsService) {}

  @HandleCommand(ChainAddressGet)
  address(@Payload() request: CommandRequest<typeof ChainAddressGet>) {
    return this.deposits.address(request);
  }

  @HandleCommand(ChainDepositsList)
  list(@Payload() request: CommandRequest<typeof ChainDepositsList>) {
    return this.deposits.list(request);
  }

  @HandleCommand(ChainTxVerify)
  verify(@Payload() request: CommandRequest<typeof ChainTxVerify>) {
    return this.deposits.verify(request);
  }
}
