import { Inject, Injectable } from '@nestjs/common';
import { ChainPaymentPayout, ChainPaymentSettle, type CommandRequestInput, type CommandResponse } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';

/** Margin over the settle wait for the chain-watcher's own RPC calls and the round trip. */
const REPLY_MARGIN_MS = 10_000;

/** The chain-watcher's `chain.payment.settle` over NATS; unreachable → 503. */
@Injectable()
export class ChainPaymentsClient {
  constructor(
    private readonly bus: NatsBus,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  async settle(request: CommandRequestInput<typeof ChainPaymentSettle>): Promise<CommandResponse<typeof ChainPaymentSettle>> {
    try {
      return await this.bus.request(ChainPaymentSettle, request, { timeoutMs: request.waitMs + REPLY_MARGIN_MS });
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') throw error;
      throw new AppError('service_unavailable', 'Payment verification is unavailable; retry with the same credential shortly.', { cause: error });
    }
  }

  /**
   * A refund from the operator's payout wallet. undefined when the chain-watcher did not answer in time: the payout
   * may or may not have been sent, so the caller must not reverse its booking.
   */
  async payout(request: CommandRequestInput<typeof ChainPaymentPayout>): Promise<CommandResponse<typeof ChainPaymentPayout> | undefined> {
    try {
      return await this.bus.request(ChainPaymentPayout, request, { timeoutMs: request.waitMs + REPLY_MARGIN_MS });
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal' && error.code !== 'service_unavailable') throw error;
      return undefined;
    }
  }
}
