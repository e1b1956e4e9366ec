import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CommandRequest, LedgerHoldCapture, LedgerHoldCreate, LedgerHoldRelease } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { HoldsService } from './holds.service';

@Controller()
export class HoldsController {
  constructor(private readonly holds: HoldsService) {}

  @HandleCommand(LedgerHoldCreate)
  create(@Payload() request: CommandRequest<typeof LedgerHoldCreate>) {
    return this.holds.create(request);
  }

  @HandleCommand(LedgerHoldCapture)
  capture(@Payload() request: CommandRequest<typeof LedgerHoldCapture>) {
    return this.holds.capture(request);
  }

  @HandleCommand(LedgerHoldRelease)
  release(@Payload() request: CommandRequest<typeof LedgerHoldRelease>) {
    return this.holds.release(request);
  }
}
