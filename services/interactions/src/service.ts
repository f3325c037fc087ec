import { Buckets, Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { InteractionsModule } from './app.module.js';
import { interactionsEnv, type InteractionsConfig } from './config.js';

export const interactionsService: ServiceDefinition<InteractionsConfig> = {
  name: 'interactions',
  configSchema: interactionsEnv,
  module: () => InteractionsModule,
  streams: [Streams.discordEvents, Streams.facts, Streams.discordCommands],
  buckets: [Buckets.configGuilds, Buckets.configApps],
  httpPort: (config) => config.INTERACTIONS_PORT,
  rawBody: true,
  // Interactions are small; a cap keeps a hostile sender from making us buffer megabytes.
  bodyLimit: 64 * 1024,
};
