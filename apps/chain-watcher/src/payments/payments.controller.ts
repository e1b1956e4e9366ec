import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ChainPaymentPayout, ChainPaymentSettle, type CommandRequest } from '@switchyard/contracts';
import { HandleCommand } from '@switchyard/nats';
import { PaymentsService } from './payments.service';
import { PayoutService } from './payout.service';

@Controller()
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly payouts: PayoutService,
  ) {}

  @HandleCommand(ChainPaymentSettle)
  settle(@Payload() request: CommandRequest<typeof ChainPaymentSettle>) {
    return this.payments.settle(request);
  }

  @HandleCommand(ChainPaymentPayout)
  payout(@Payload() request: CommandRequest<typeof ChainPaymentPayout>) {
    return this.payouts.payout(request);
  }
}
