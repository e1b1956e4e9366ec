import { ServiceDatabaseModule } from '@switchyard/database';
import { BILLING_SCHEMA, type BillingEnv } from '../config/billing.env';
import { RequestContentEntity } from '../request-content/request-content.entity';
import { RequestLogEntity } from '../request-log/request-log.entity';
import { ChargeEntity } from '../settlement/charge.entity';
import { CreateCharges1732300000000 } from './migrations/1732300000000-create-charges.migration';
import { CreateRequestLogs1734200000000 } from './migrations/1734200000000-create-request-logs.migration';
import { RequestLogAutoTier1734300000000 } from './migrations/1734300000000-request-log-auto-tier.migration';
import { CreateRequestContents1737400000000 } from './migrations/1737400000000-create-request-contents.migration';

/** The billing schema, migrated before anything consumes. */
export function billingDatabaseModule(env: BillingEnv) {
  return ServiceDatabaseModule.forRoot({
    url: env.DATABASE_URL,
    schema: BILLING_SCHEMA,
    poolMax: env.DATABASE_POOL_MAX,
    entities: [ChargeEntity, RequestLogEntity, RequestContentEntity],
    migrations: [CreateCharges1732300000000, CreateRequestLogs1734200000000, RequestLogAutoTier1734300000000, CreateRequestContents1737400000000],
    runMigrations: env.RUN_MIGRATIONS,
  });
}
