import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { LedgerClient, type PlacedHold } from './ledger.client';

interface PooledHold {
  holdId: string;
  heldMicros: bigint;
  placedAtMs: number;
}

interface WorkspacePool {
  ready: PooledHold[];
  /** Size of the holds placed ahead: the largest recent need, capped. */
  sizeMicros: bigint;
  /** How many to keep ready; grows when requests find the pool empty. */
  target: number;
  refilling: boolean;
  lastUseMs: number;
  lastRefillMs: number;
}

export interface HoldRequest {
  requestId: string;
  workspaceId: string;
  amountMicros: bigint;
  minAmountMicros: bigint;
  metadata: Record<string, string>;
}

const SWEEP_INTERVAL_MS = 5_000;
/** A workspace that needs a refill again within this is busy: its pool grows, so refills come in larger batches. */
const BUSY_REFILL_INTERVAL_MS = 100;

/**
 * Ledger holds placed ahead of demand, per workspace, so a request does not wait for a ledger round trip
 * before calling the provider (the hold is already in the ledger: nothing is ever served unmetered). A request
 * whose worst case fits a ready hold takes it; otherwise it places its own hold as before, and the pool learns
 * the size. Billing captures the taken hold like any other and releases the rest. Unused holds are released
 * after HOLD_POOL_IDLE_MS, so a workspace's balance is reserved ahead only while it is sending requests.
 */
@Injectable()
export class HoldPool implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(HoldPool.name);
  private readonly pools = new Map<string, WorkspacePool>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ledger: LedgerClient,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  onModuleInit(): void {
    if (!this.env.HOLD_POOL_ENABLED) return;
    this.timer = setInterval(() => this.releaseIdle(Date.now()), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const all = [...this.pools.values()].flatMap((pool) => pool.ready.splice(0));
    await Promise.all(all.map((hold) => this.release(hold, 'gateway shutdown')));
  }

  async acquire(request: HoldRequest): Promise<PlacedHold> {
    if (!this.env.HOLD_POOL_ENABLED) return this.placeOwn(request);
    const pool = this.poolOf(request.workspaceId);
    pool.lastUseMs = Date.now();
    const index = pool.ready.findIndex((hold) => hold.heldMicros >= request.amountMicros);
    if (index >= 0) {
      const [hold] = pool.ready.splice(index, 1);
      this.refill(request.workspaceId, pool);
      return { holdId: hold.holdId, heldMicros: hold.heldMicros, availableMicros: 0n };
    }
    if (request.amountMicros <= this.env.HOLD_POOL_HOLD_MICROS_MAX) {
      if (request.amountMicros > pool.sizeMicros) pool.sizeMicros = request.amountMicros;
      else if (pool.target < this.env.HOLD_POOL_SIZE_MAX) pool.target++;
    }
    try {
      if (pool.ready.length === 0) return await this.placeOwn(request);
      // While the pool ties up balance, ask for all or nothing; a partial hold then would cut the answer short.
      try {
        return await this.placeOwn({ ...request, minAmountMicros: request.amountMicros });
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'insufficient_balance') throw error;
        await Promise.all(pool.ready.splice(0).map((hold) => this.release(hold, 'balance needed by a larger request')));
        return await this.placeOwn(request);
      }
    } finally {
      this.refill(request.workspaceId, pool);
    }
  }

  private placeOwn(request: HoldRequest): Promise<PlacedHold> {
    return this.ledger.placeHold({ holdId: request.requestId, workspaceId: request.workspaceId, amountMicros: request.amountMicros, minAmountMicros: request.minAmountMicros, metadata: request.metadata });
  }

  private poolOf(workspaceId: string): WorkspacePool {
    let pool = this.pools.get(workspaceId);
    if (!pool) {
      pool = { ready: [], sizeMicros: 0n, target: 1, refilling: false, lastUseMs: Date.now(), lastRefillMs: 0 };
      this.pools.set(workspaceId, pool);
    }
    return pool;
  }

  /**
   * Once the pool is down to half its target, places the missing holds in the background, all at once: the ledger
   * client sends holds asked for in the same tick as one batch, so a busy workspace costs the ledger one batch per
   * several requests instead of one per request. Holds the ledger refuses (the balance is low) are not retried here.
   */
  private refill(workspaceId: string, pool: WorkspacePool): void {
    if (pool.refilling || pool.sizeMicros === 0n || pool.ready.length > Math.floor(pool.target / 2)) return;
    const nowMs = Date.now();
    if (nowMs - pool.lastRefillMs < BUSY_REFILL_INTERVAL_MS && pool.target < this.env.HOLD_POOL_SIZE_MAX) pool.target++;
    pool.lastRefillMs = nowMs;
    pool.refilling = true;
    const placements = Array.from({ length: pool.target - pool.ready.length }, async () => {
      const holdId = `pool-${randomBytes(15).toString('base64url')}`;
      const placed = await this.ledger.placeHold({ holdId, workspaceId, amountMicros: pool.sizeMicros, minAmountMicros: pool.sizeMicros, metadata: { source: 'hold-pool' } });
      const hold = { holdId: placed.holdId, heldMicros: placed.heldMicros, placedAtMs: Date.now() };
      // the workspace went idle meanwhile and its pool was dropped: nobody will take this hold
      if (this.pools.get(workspaceId) === pool) pool.ready.push(hold);
      else await this.release(hold, 'unused pre-placed hold');
    });
    void Promise.allSettled(placements).then((results) => {
      pool.refilling = false;
      for (const result of results) {
        const error = result.status === 'rejected' ? result.reason : undefined;
        if (error && !(error instanceof AppError && error.code === 'insufficient_balance')) {
          this.logger.warn({ err: error, workspaceId }, 'hold pool refill failed');
          break;
        }
      }
    });
  }

  /** Releases holds nobody took within the idle time; forgets idle workspaces. */
  private releaseIdle(nowMs: number): void {
    for (const [workspaceId, pool] of this.pools) {
      const stale = pool.ready.filter((hold) => nowMs - hold.placedAtMs > this.env.HOLD_POOL_IDLE_MS);
      if (stale.length === 0 && pool.ready.length > 0) continue;
      pool.ready = pool.ready.filter((hold) => !stale.includes(hold));
      for (const hold of stale) void this.release(hold, 'unused pre-placed hold');
      if (pool.ready.length === 0 && !pool.refilling && nowMs - pool.lastUseMs > this.env.HOLD_POOL_IDLE_MS) this.pools.delete(workspaceId);
    }
  }

  private async release(hold: PooledHold, reason: string): Promise<void> {
    try {
      await this.ledger.releaseHold(hold.holdId, reason);
    } catch (error) {
      // The ledger's sweeper expires it at its timeout.
      this.logger.warn({ err: error, holdId: hold.holdId }, 'could not release a pre-placed hold');
    }
  }
}
