import { Logger, Injectable } from '@nestjs/common';
import { ChainDepositConfirmed, type EventPayload } from '@switchyard/contracts';
import { JetStreamClient } from '@switchyard/nats';
import { DepositsRepository } from '../deposits/deposits.repository';

const BATCH = 100;
const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Publishes committed chain.deposit.confirmed rows to JetStream (Nats-Msg-Id = the deposit key) and marks them sent.
 * A crash between publish and mark republishes: the stream's duplicate window and the idempotent consumer absorb it.
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly deposits: DepositsRepository,
    private readonly jetStream: JetStreamClient,
  ) {}

  /** One relay at a time per process; callers queue behind the current run. */
  flush(): Promise<number> {
    this.running = this.running.catch(() => 0).then(() => this.publishAll());
    return this.running;
  }

  private async publishAll(): Promise<number> {
    let published = 0;
    for (let round = 0; round < 20; round++) {
      const rows = await this.deposits.unpublished(BATCH);
      for (const row of rows) {
        await this.jetStream.publish(ChainDepositConfirmed, row.payload as EventPayload<typeof ChainDepositConfirmed>, { timeoutMs: PUBLISH_TIMEOUT_MS });
        await this.deposits.markPublished(row.id);
        published += 1;
      }
      if (rows.length < BATCH) break;
    }
    if (published > 0) this.logger.log({ published }, 'published chain.deposit.confirmed');
    return published;
  }
}
