import type { ServiceDatabase } from '@steward/db';
import { CreateScheduler1770000000000 } from './migrations/1770000000000-create-scheduler.js';
import { RunReleaseReservation1771000000000 } from './migrations/1771000000000-run-release-reservation.js';

export const database: ServiceDatabase = {
  schema: 'scheduler',
  entities: [],
  migrations: [CreateScheduler1770000000000, RunReleaseReservation1771000000000],
};
