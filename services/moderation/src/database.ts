import type { ServiceDatabase } from '@steward/db';
import { CreateModeration1760100000000 } from './migrations/1760100000000-create-moderation.js';
import { PendingIndex1772000000000 } from './migrations/1772000000000-pending-index.js';
import { UnmeteredChecks1773000000000 } from './migrations/1773000000000-unmetered-checks.js';

export const database: ServiceDatabase = {
  schema: 'moderation',
  entities: [],
  migrations: [CreateModeration1760100000000, PendingIndex1772000000000, UnmeteredChecks1773000000000],
};
