import type { ServiceDatabase } from '@steward/db';
import { CreateModeration1760100000000 } from './migrations/1760100000000-create-moderation.js';

export const database: ServiceDatabase = {
  schema: 'moderation',
  entities: [],
  migrations: [CreateModeration1760100000000],
};
