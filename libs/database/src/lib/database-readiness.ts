import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@switchyard/nest-common';
import { DataSource } from 'typeorm';

/** Registers `SELECT 1` as the service's Postgres readiness check. */
@Injectable()
export class DatabaseReadiness implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }
}
