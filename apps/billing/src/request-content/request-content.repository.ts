import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Deletes of billing.request_contents (writes go with the charge, reads with the generation). */
@Injectable()
export class RequestContentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Deletes at most `limit` rows stored before `before`; returns how many went. */
  async deleteOlderThan(before: Date, limit: number): Promise<number> {
    const rows = (await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM billing.request_contents WHERE request_id IN (
           SELECT request_id FROM billing.request_contents WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING 1
       ) SELECT count(*)::int AS deleted FROM gone`,
      [before, limit],
    )) as Array<{ deleted: number }>;
    return rows[0]?.deleted ?? 0;
  }
}
