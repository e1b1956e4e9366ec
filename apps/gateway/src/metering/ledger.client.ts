import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { HoldCommandsClient, NatsBus } from '@switchyard/nats';
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

/** Releases of holds the gateway gave up on: attempts, backoff, and how many may wait at once. */
const ABANDONED_RELEASE_ATTEMPTS = 5;
const ABANDONED_RELEASE_BACKOFF_MS = 250;
const ABANDONED_RELEASE_MAX_PENDING = 10_000;

/**
 * The gateway's questions to the ledger (NATS request/reply), each with its timeout; unreachable → 503.
 * Hold commands go through the batched HoldCommandsClient, everything else through NatsBus.
 */
@Injectable()
export class LedgerClient implements OnApplicationShutdown {
  private readonly logger = new Logger(LedgerClient.name);
  private readonly abandoned = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly bus: NatsBus,
    private readonly holdCommands: HoldCommandsClient,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationShutdown(): void {
    // a release still waiting is not needed for safety: the hold expires, and a late create is refused after a release
    this.closed = true;
  }

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

  /**
   * On service_unavailable (timeout, no reply) the ledger may still commit the hold later, so it is released in
   * the background; the ledger refuses a create that comes after the release of the same holdId.
   */
  async placeHold(input: { holdId: string; workspaceId: string; amountMicros: bigint; minAmountMicros: bigint; metadata: Record<string, string> }): Promise<PlacedHold> {
    let reply: CommandResponse<typeof LedgerHoldCreate>;
    try {
      reply = await this.unavailableUnlessCoded(
        this.holdCommands.create(
          {
            holdId: input.holdId,
            workspaceId: input.workspaceId,
            amountMicros: microsToWire(input.amountMicros),
            minAmountMicros: microsToWire(input.minAmountMicros),
            timeoutMs: this.env.HOLD_TIMEOUT_MS,
            metadata: input.metadata,
          },
          { timeoutMs: this.env.LEDGER_TIMEOUT_MS, requestId: input.holdId },
        ),
      );
    } catch (error) {
      if (error instanceof AppError && error.code === 'service_unavailable') void this.releaseAbandoned(input.holdId);
      throw error;
    }
    this.metrics.holdPlaced(reply.holdId);
    return { holdId: reply.holdId, heldMicros: BigInt(reply.amountMicros), availableMicros: BigInt(reply.availableMicros) };
  }

  async releaseHold(holdId: string, reason: string): Promise<void> {
    await this.unavailableUnlessCoded(this.holdCommands.release({ holdId, reason }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS }));
    this.metrics.holdSettled(holdId);
  }

  /** Releases a hold given up on in the background, at most once at a time per holdId; resolves when done (tests wait on it). */
  releaseAbandoned(holdId: string): Promise<void> {
    const running = this.abandoned.get(holdId);
    if (running) return running;
    if (this.closed) return Promise.resolve();
    if (this.abandoned.size >= ABANDONED_RELEASE_MAX_PENDING) {
      this.logger.warn({ holdId }, 'too many abandoned holds waiting for release; this one is left to expire');
      return Promise.resolve();
    }
    const releasing = this.releaseWithRetries(holdId).finally(() => this.abandoned.delete(holdId));
    this.abandoned.set(holdId, releasing);
    return releasing;
  }

  /**
   * Idempotent: "voided" (or any resolved status) and "does not exist" both end it. After "does not exist" the
   * ledger keeps a tombstone, so the create still in flight is refused when it arrives.
   */
  private async releaseWithRetries(holdId: string): Promise<void> {
    for (let attempt = 1; attempt <= ABANDONED_RELEASE_ATTEMPTS && !this.closed; attempt++) {
      try {
        await this.holdCommands.release({ holdId, reason: 'gateway_gave_up' }, { timeoutMs: this.env.LEDGER_TIMEOUT_MS, requestId: holdId });
        return;
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return;
        if (!(error instanceof AppError && error.code === 'service_unavailable')) {
          this.logger.error({ err: error, holdId }, 'release of an abandoned hold failed; it is left to expire');
          return;
        }
        if (attempt < ABANDONED_RELEASE_ATTEMPTS) await sleep(ABANDONED_RELEASE_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
    // at shutdown the loop stops early on purpose: the hold expires like any other the process could not release
    this.logger.warn({ holdId, shuttingDown: this.closed }, this.closed ? 'abandoned hold left to expire: the gateway is shutting down' : 'abandoned hold not released after retries; it is left to expire');
  }

  async balance(workspaceId: string): Promise<WorkspaceBalance> {
    const reply = await this.send(LedgerBalanceGet, { workspaceId });
    return { postedMicros: BigInt(reply.postedMicros), pendingMicros: BigInt(reply.pendingMicros), availableMicros: BigInt(reply.availableMicros) };
  }

  private send<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>, requestId?: string): Promise<CommandResponse<C>> {
    return this.unavailableUnlessCoded(this.bus.request(contract, payload, { timeoutMs: this.env.LEDGER_TIMEOUT_MS, requestId }));
  }

  private async unavailableUnlessCoded<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') throw error;
      // No responders, a broken connection or a malformed reply: fail closed.
      throw new AppError('service_unavailable', 'The ledger is unavailable; no request is served unmetered. Retry shortly.', { cause: error });
    }
  }
}
