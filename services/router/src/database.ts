import type { ServiceDatabase } from '@steward/db';
import { directoryEntities } from './directory/directory.entities.js';
import { ChannelMessageRow } from './history/channel-message.entity.js';
import { CreateGuildDirectory1735000000000 } from './migrations/1735000000000-CreateGuildDirectory.js';
import { CreateChannelMessages1736000000000 } from './migrations/1736000000000-CreateChannelMessages.js';

export const database: ServiceDatabase = {
  schema: 'router',
  entities: [...directoryEntities, ChannelMessageRow],
  migrations: [CreateGuildDirectory1735000000000, CreateChannelMessages1736000000000],
};
