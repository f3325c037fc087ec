import type { StreamSpec } from '@steward/bus';
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
  streams: [Streams.discordEvents, Streams.facts].map(streamSpec),
  buckets: [Buckets.configGuilds],
  database,
};

/** `Streams` entries are read-only constants; the bus wants a mutable subject list. */
function streamSpec(stream: (typeof Streams)[keyof typeof Streams]): StreamSpec {
  return { ...stream, subjects: [...stream.subjects] };
}
