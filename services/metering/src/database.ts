import type { ServiceDatabase } from '@steward/db';
import { CreateMetering1760000000000 } from './migrations/1760000000000-create-metering.js';
import { PeriodUsageLastIncrement1764000000000 } from './migrations/1764000000000-period-usage-last-increment.js';
import { QuotaNotices1766000000000 } from './migrations/1766000000000-quota-notices.js';

export const database: ServiceDatabase = {
  schema: 'metering',
  entities: [],
  migrations: [
    CreateMetering1760000000000,
    PeriodUsageLastIncrement1764000000000,
    QuotaNotices1766000000000,
  ],
};
