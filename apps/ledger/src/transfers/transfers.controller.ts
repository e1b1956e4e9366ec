import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CommandRequest, LedgerTransferCreate } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { TransfersService } from './transfers.service';

@Controller()
export class TransfersController {
  constructor(private readonly transfers: TransfersService) {}

  @HandleCommand(LedgerTransferCreate)
  create(@Payload() request: CommandRequest<typeof LedgerTransferCreate>) {
    return this.transfers.create(request);
  }
}
