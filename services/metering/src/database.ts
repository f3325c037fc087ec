import type { ServiceDatabase } from '@steward/db';
import { CreateMetering1760000000000 } from './migrations/1760000000000-create-metering.js';
import { PeriodUsageLastIncrement1764000000000 } from './migrations/1764000000000-period-usage-last-increment.js';
import { ThresholdNoticesPerQuota1766000000000 } from './migrations/1766000000000-threshold-notices-per-quota.js';

export const database: ServiceDatabase = {
  schema: 'metering',
  entities: [],
  migrations: [
    CreateMetering1760000000000,
    PeriodUsageLastIncrement1764000000000,
    ThresholdNoticesPerQuota1766000000000,
  ],
};
