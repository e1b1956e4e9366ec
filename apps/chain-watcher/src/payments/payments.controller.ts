import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ChainPaymentSettle, type CommandRequest } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { PaymentsService } from './payments.service';

@Controller()
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @HandleCommand(ChainPaymentSettle)
  settle(@Payload() request: CommandRequest<typeof ChainPaymentSettle>) {
    return this.payments.settle(request);
  }
}
