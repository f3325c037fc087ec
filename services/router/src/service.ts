import { Buckets, Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { RouterModule } from './app.module.js';
import { routerEnv, type RouterConfig } from './config.js';
import { MEMBER_COOLDOWNS_BUCKET } from './cooldown/member-cooldowns.js';
import { database } from './database.js';

/** Decides which Discord messages need an answer and keeps the guild directory. */
export const routerService: ServiceDefinition<RouterConfig> = {
  name: 'router',
  configSchema: routerEnv,
  module: () => RouterModule,
  streams: [Streams.discordEvents, Streams.facts],
  buckets: [Buckets.configGuilds, MEMBER_COOLDOWNS_BUCKET],
  database,
};
