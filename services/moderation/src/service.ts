import { Buckets, Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { ModerationModule } from './app.module.js';
import { moderationEnv, type ModerationConfig } from './config.js';
import { database } from './database.js';

/**
 * moderation: judges every guild message (and edit) against the tenant's rules, checks
 * permissions and hierarchy, acts through egress, and keeps the moderation log.
 */
export const moderationService: ServiceDefinition<ModerationConfig> = {
  name: 'moderation',
  configSchema: moderationEnv,
  module: () => ModerationModule,
  // Streams is declared `as const`; StreamSpec wants mutable subject arrays.
  streams: [Streams.discordEvents, Streams.discordCommands, Streams.facts].map((stream) => ({ ...stream, subjects: [...stream.subjects] })),
  buckets: [Buckets.configGuilds],
  database,
};
