import type { ServiceDatabase } from '@steward/db';
import { directoryEntities } from './directory/directory.entities.js';
import { CreateGuildDirectory1735000000000 } from './migrations/1735000000000-CreateGuildDirectory.js';

export const database: ServiceDatabase = {
  schema: 'router',
  entities: directoryEntities,
  migrations: [CreateGuildDirectory1735000000000],
};
