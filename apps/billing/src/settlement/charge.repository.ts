import { Injectable } from '@nestjs/common';
import { unnestInsert } from '@switchyard/database';
import { DataSource } from 'typeorm';
import { type NewRequestContent, RequestContentEntity } from '../request-content/request-content.entity';
import { type NewRequestLog, RequestLogEntity } from '../request-log/request-log.entity';
import { ChargeEntity } from './charge.entity';

export type NewCharge = Omit<ChargeEntity, 'createdAt'>;

/** A settled request's rows: its charge, its log row and (only for a workspace that opted in) its content. */
export interface ChargeRecord {
  charge: NewCharge;
  log: NewRequestLog;
  content?: NewRequestContent;
}

/** The charges table (the consumer's inbox, one row per request id) and, with each charge, its request log row. */
@Injectable()
export class ChargeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the charges of many requests in one transaction, one statement per table (`unnestInsert`), skipping requests
   * already charged; returns the records this call charged, each request once. Log and content rows are written
   * only for those: a log row never exists without its charge, nor a charge (written here) without its log.
   */
  async recordManyIfAbsent(records: readonly ChargeRecord[]): Promise<ChargeRecord[]> {
    if (records.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      const raw = await unnestInsert(manager, ChargeEntity, records.map((r) => r.charge), { skipConflicts: true, returning: ['request_id'] });
      const inserted = new Set(raw.map((row) => row.request_id as string));
      // The same request twice in one batch (published again under another message id) gets one charge: one log row.
      const written = new Map<string, ChargeRecord>();
      for (const record of records) if (inserted.has(record.charge.requestId) && !written.has(record.charge.requestId)) written.set(record.charge.requestId, record);
      const charged = [...written.values()];
      const contents = charged.flatMap((r) => (r.content ? [r.content] : []));
      await unnestInsert(manager, RequestLogEntity, charged.map((r) => r.log));
      await unnestInsert(manager, RequestContentEntity, contents);
      return charged;
    });
  }
}
