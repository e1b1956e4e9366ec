import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { z } from 'zod';
import { AgentRefundsService } from './agent-refunds.service';

const RefundBodySchema = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  /** RFC 3339; the signed message's `issued` line. */
  issued: z.string().min(20).max(40),
  /** EIP-191 signature of refundMessage(realm, chainId, address, issued) by `address`. */
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});

/**
 * A payer address asks for its leftover balance back (AGENT_PAYMENTS_REFUND_POLICY `on_request` or `automatic`).
 * No API key: the signature by the address is the authentication.
 */
@Controller()
export class AgentRefundsController {
  constructor(private readonly refunds: AgentRefundsService) {}

  @Post('v1/agent-payments/refunds')
  @HttpCode(200)
  async refund(@Body() body: unknown) {
    const parsed = RefundBodySchema.safeParse(body);
    if (!parsed.success) throw new AppError('invalid_request', 'Body must be {"address":"0x…","issued":"<RFC 3339>","signature":"0x<EIP-191 signature of the refund message>"}.');
    const result = await this.refunds.requestRefund(parsed.data);
    return {
      object: 'agent_payment.refund',
      status: result.status,
      refund_id: result.refundId,
      address: result.address,
      amount_micros: result.amountMicros.toString(),
      fee_micros: result.feeMicros.toString(),
      sent_base_units: result.sentBaseUnits.toString(),
      tx_hash: result.txHash ?? null,
    };
  }
}
