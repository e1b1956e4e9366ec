import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ZodBodyPipe } from '@switchyard/nest-common';
import { z } from 'zod';
import type { Principal } from '../../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../../auth/workspace-auth.guard';
import { DepositsClient } from './deposits.client';
import { formatDeposit, formatDepositAddress } from './deposits.format';

const VerifySchema = z
  .object({ txHash: z.string().optional(), tx_hash: z.string().optional() })
  .transform((body) => ({ txHash: body.txHash ?? body.tx_hash }))
  .pipe(z.object({ txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte transaction hash') }));

/** USDT deposits of the caller's workspace (any API key, or a signed-in member's session): its address, its deposits, and "verify now" for a transaction hash. */
@Controller('api/v1/deposits')
@UseGuards(WorkspaceAuthGuard)
export class DepositsController {
  constructor(private readonly deposits: DepositsClient) {}

  @Get('address')
  async address(@CurrentPrincipal() principal: Principal) {
    return formatDepositAddress(await this.deposits.address(principal.workspaceId));
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query('limit') limitParam?: string) {
    const limit = limitParam === undefined ? 100 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new AppError('invalid_request', "'limit' must be an integer from 1 to 500.", { param: 'limit' });
    const page = await this.deposits.list(principal.workspaceId, limit);
    return {
      data: page.deposits.map(formatDeposit),
      below_minimum_micros: page.belowMinimumMicros,
      minimum_micros: page.minimumMicros,
      fee_basis_points: page.feeBasisPoints,
    };
  }

  @Post('verify')
  @HttpCode(200)
  async verify(@CurrentPrincipal() principal: Principal, @Body(new ZodBodyPipe(VerifySchema)) body: z.output<typeof VerifySchema>) {
    const result = await this.deposits.verify(principal.workspaceId, body.txHash);
    return { tx_hash: result.txHash, status: result.status, confirmations: result.confirmations, deposits: result.deposits.map(formatDeposit) };
  }
}
