import { Buckets, Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { RouterModule } from './app.module.js';
import { routerEnv, type RouterConfig } from './config.js';
import { database } from './database.js';

/** Decides which Discord messages need an answer and keeps the guild directory. */
export const routerService: ServiceDefinition<RouterConfig> = {
  name: 'router',
  configSchema: routerEnv,
  module: () => RouterModule,
  streams: [Streams.discordEvents, Streams.facts],
  buckets: [Buckets.configGuilds],
  database,
};
