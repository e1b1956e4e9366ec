import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChargeEntity } from './charge.entity';

export type NewCharge = Omit<ChargeEntity, 'createdAt'>;

/** The charges table: the consumer's inbox (one row per request id). */
@Injectable()
export class ChargeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async exists(requestId: string): Promise<boolean> {
    return this.dataSource.getRepository(ChargeEntity).exists({ where: { requestId } });
  }

  /** Inserts unless a row for the request is already there; true when this call wrote it. */
  async insertIfAbsent(charge: NewCharge): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(ChargeEntity)
      .values(charge)
      .orIgnore()
      .returning(['requestId'])
      .execute();
    return Array.isArray(result.raw) && result.raw.length === 1;
  }
}
