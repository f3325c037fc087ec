import type { ServiceDatabase } from '@steward/db';
import { CreateScheduler1770000000000 } from './migrations/1770000000000-create-scheduler.js';

export const database: ServiceDatabase = {
  schema: 'scheduler',
  entities: [],
  migrations: [CreateScheduler1770000000000],
};
