import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type NewRequestContent, RequestContentEntity } from '../request-content/request-content.entity';
import { type NewRequestLog, RequestLogEntity } from '../request-log/request-log.entity';
import { ChargeEntity } from './charge.entity';

export type NewCharge = Omit<ChargeEntity, 'createdAt'>;

/** The charges table (the consumer's inbox, one row per request id) and, with each charge, its request log row. */
@Injectable()
export class ChargeRepository {
  constructor(private readonly dataSource: DataSource) {}


  /**
   * Inserts the charge and its log row in one transaction, unless the request is already charged; true when
   * this call wrote them. A log row never exists without its charge, nor a charge (written here) without its log.
   * `content` (only for a workspace that opted in) goes in the same transaction, into its own table.
   */
  async recordIfAbsent(charge: NewCharge, log: NewRequestLog, content?: NewRequestContent): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.createQueryBuilder().insert().into(ChargeEntity).values(charge).orIgnore().returning(['requestId']).execute();
      const inserted = Array.isArray(result.raw) && result.raw.length === 1;
      if (inserted) await manager.createQueryBuilder().insert().into(RequestLogEntity).values(log).execute();
      if (inserted && content) await manager.createQueryBuilder().insert().into(RequestContentEntity).values(content).execute();
      return inserted;
    });
  }
}
