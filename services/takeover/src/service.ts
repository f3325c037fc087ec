import { Buckets, Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { TakeoverModule } from './app.module.js';
import { takeoverEnv, type TakeoverConfig } from './config.js';
import { database } from './database.js';

/**
 * Conversations and transcripts for live monitoring, human takeover with auto-resume, and
 * escalation e-mail. KV `takeover` is declared by TakeoverBucket with TAKEOVER_WINDOW_MS as
 * its max age, since the window is configuration.
 */
export const takeoverService: ServiceDefinition<TakeoverConfig> = {
  name: 'takeover',
  configSchema: takeoverEnv,
  module: () => TakeoverModule.register(),
  streams: [Streams.facts, Streams.discordEvents, Streams.discordCommands],
  buckets: [Buckets.configGuilds],
  database,
};
