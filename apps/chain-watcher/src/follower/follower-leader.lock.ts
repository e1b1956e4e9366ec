import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';

/** First half of the advisory lock key (the second is the chain id): hashtext('switchyard.chain-follower') is computed by Postgres. */
const LOCK_NAMESPACE = 'switchyard.chain-follower';

/**
 * Only one chain-watcher replica follows a chain: the one holding a session-level Postgres advisory lock on a
 * connection of its own (not from the pool, so no other query ever releases or shares it).
 *
 * - The lock lives exactly as long as that session. A leader that dies (even kill -9) closes its socket and
 *   Postgres frees the lock at once. A leader cut off from the database steps down as soon as its own check
 *   query fails or times out; the server frees the lock when its TCP keepalive ends the dead session.
 * - `ensureLeader()` is called before every poll and between backfill ranges: a leader re-checks its session
 *   (`SELECT 1` on the lock connection), a follower tries `pg_try_advisory_lock` (never waits).
 * - Writes the follower makes are idempotent (deposits keyed by chain/tx/log, outbox by message id), so the short
 *   window in which a deposed leader finishes a range it already started cannot credit anything twice.
 */
@Injectable()
export class FollowerLeaderLock implements OnApplicationShutdown {
  private readonly logger = new Logger(FollowerLeaderLock.name);
  private client?: Client;
  private heldFor?: number;
  private closed = false;

  constructor(@Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv) {}

  /** True while this process holds the lock (as of the last check). */
  get held(): boolean {
    return this.heldFor !== undefined;
  }

  /** Holds (or takes) the follower lock for `chainId`; false when another replica leads or the database is unreachable. */
  async ensureLeader(chainId: number): Promise<boolean> {
    if (this.closed) return false;
    try {
      const client = await this.connection();
      if (this.heldFor === chainId) {
        await client.query('SELECT 1');
        return true;
      }
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), $2) AS locked', [LOCK_NAMESPACE, chainId]);
      if (rows[0]?.locked) {
        this.heldFor = chainId;
        this.logger.log({ chainId }, 'took the chain follower lock: this replica follows the chain');
      }
      return this.held;
    } catch (error) {
      this.logger.warn({ err: error }, 'chain follower lock check failed; not following until it succeeds');
      this.drop();
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.heldFor = undefined;
    // Ending the session releases the lock, so a standby takes over at its next poll.
    await client?.end().catch(() => undefined);
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.env.DATABASE_URL,
      application_name: 'chain-watcher-leader',
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      connectionTimeoutMillis: this.env.CHAIN_LEADER_CHECK_TIMEOUT_MS,
      query_timeout: this.env.CHAIN_LEADER_CHECK_TIMEOUT_MS,
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'chain follower lock connection failed; stepping down');
      if (this.client === client) this.drop();
    });
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      this.drop();
      throw error;
    }
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    if (this.heldFor !== undefined) this.logger.warn({ chainId: this.heldFor }, 'lost the chain follower lock');
    this.heldFor = undefined;
    void client?.end().catch(() => undefined);
  }
}
