import { Inject, Injectable } from '@nestjs/common';
import {
  type CommandContract,
  type CommandRequestInput,
  type CommandResponse,
  LedgerAccountOpen,
  LedgerBalanceGet,
  LedgerHoldCreate,
  LedgerTransferCreate,
  microsToWire,
  SYSTEM_ACCOUNTS,
  workspaceCreditAccount,
  LedgerHoldRelease,
} from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { GatewayMetrics } from './gateway.metrics';

export interface PlacedHold {
  holdId: string;
  heldMicros: bigint;
  availableMicros: bigint;
}

export interface WorkspaceBalance {
  postedMicros: bigint;
  pendingMicros: bigint;
  availableMicros: bigint;
}

/** The gateway's questions to the ledger (NATS request/reply), each with its timeout; unreachable → 503. */
@Injectable()
export class LedgerClient {
  constructor(
    private readonly bus: NatsBus,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
    private readonly metrics: GatewayMetrics,
  ) {}

  async openAccounts(workspaceId: string): Promise<void> {
    await this.send(LedgerAccountOpen, { workspaceId });
  }

  /** Operator credit: equity:owner → the workspace's credit balance, idempotent by journalKey. */
  async grant(workspaceId: string, amountMicros: bigint, journalKey: string, metadata: Record<string, string>): Promise<void> {
    await this.send(LedgerTransferCreate, {
      journalKey,
      transfers: [
        {
          idempotencyKey: `${journalKey}:grant`,
          debitAccount: SYSTEM_ACCOUNTS.ownerEquity,
          creditAccount: workspaceCreditAccount(workspaceId),
          amountMicros: microsToWire(amountMicros),
          reason: 'operator_grant',
          metadata,
        },
      ],
    });
  }

  /** The welcome credit every new workspace gets, booked as a promotions expense (idempotent per workspace). */
  async grantStarterCredit(workspaceId: string, amountMicros: bigint): Promise<void> {
    const journalKey = `starter-credit:${workspaceId}`;
    await this.send(LedgerTransferCreate, {
      journalKey,
      transfers: [
        {
          idempotencyKey: `${journalKey}:grant`,
          debitAccount: SYSTEM_ACCOUNTS.promotionsExpense,
          creditAccount: workspaceCreditAccount(workspaceId),
          amountMicros: microsToWire(amountMicros),
          reason: 'starter_credit',
          metadata: { workspaceId },
        },
      ],
    });
  }

  async placeHold(input: { holdId: string; workspaceId: string; amountMicros: bigint; minAmountMicros: bigint; metadata: Record<string, string> }): Promise<PlacedHold> {
    const reply = await this.send(
      LedgerHoldCreate,
      {
        holdId: input.holdId,
        workspaceId: input.workspaceId,
        amountMicros: microsToWire(input.amountMicros),
        minAmountMicros: microsToWire(input.minAmountMicros),
        timeoutMs: this.env.HOLD_TIMEOUT_MS,
        metadata: input.metadata,
      },
      input.holdId,
    );
    this.metrics.holdPlaced(reply.holdId);
    return { holdId: reply.holdId, heldMicros: BigInt(reply.amountMicros), availableMicros: BigInt(reply.availableMicros) };
  }

  async releaseHold(holdId: string, reason: string): Promise<void> {
    await this.send(LedgerHoldRelease, { holdId, reason });
    this.metrics.holdSettled(holdId);
  }

  async balance(workspaceId: string): Promise<WorkspaceBalance> {
    const reply = await this.send(LedgerBalanceGet, { workspaceId });
    return { postedMicros: BigInt(reply.postedMicros), pendingMicros: BigInt(reply.pendingMicros), availableMicros: BigInt(reply.availableMicros) };
  }

  private async send<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>, requestId?: string): Promise<CommandResponse<C>> {
    try {
      return await this.bus.request(contract, payload, { timeoutMs: this.env.LEDGER_TIMEOUT_MS, requestId });
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') throw error;
      // No responders, a broken connection or a malformed reply: fail closed.
      throw new AppError('service_unavailable', 'The ledger is unavailable; no request is served unmetered. Retry shortly.', { cause: error });
    }
  }
}
