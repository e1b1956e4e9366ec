import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AgentPaymentsLedgerClient } from './agent-payments-ledger.client';
import { AgentPaymentsService } from './agent-payments.service';

const ProbeBodySchema = z.looseObject({ worst_case_micros: z.string().regex(/^\d{1,12}$/) });

/**
 * Dev/test only (AGENT_PAYMENTS_PROBE_ROUTE): the agent-payment handshake without a provider call. No credential →
 * 402 for `worst_case_micros`; a valid Payment credential → 200 with the payer workspace and its balance.
 */
@Controller()
export class AgentPaymentsProbeController {
  constructor(
    private readonly payments: AgentPaymentsService,
    private readonly ledger: AgentPaymentsLedgerClient,
  ) {}

  @Post('v1/agent-payments/probe')
  @HttpCode(200)
  async probe(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const parsed = ProbeBodySchema.safeParse(body);
    if (!parsed.success) throw new AppError('invalid_request', 'Body must be a JSON object with worst_case_micros (decimal string).');
    const key = await this.payments.authenticate(request, reply);
    if (!key) return this.payments.challenge(request, reply, BigInt(parsed.data.worst_case_micros));
    const available = await this.ledger.availableMicros(key.workspaceId);
    return { workspace_id: key.workspaceId, api_key_id: key.apiKeyId, available_micros: available.toString() };
  }
}
