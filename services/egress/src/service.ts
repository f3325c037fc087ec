import type { ServiceDefinition } from '@steward/runtime';
import { Buckets, Streams } from '@steward/contracts';
import { AppModule } from './app.module.js';
import { EGRESS_COMMANDS_BUCKET } from './commands/command-outcomes.js';
import { egressEnv, type EgressConfig } from './config.js';

/** egress: the only caller of Discord REST. Consumes DISCORD_CMD, publishes steward.egress.result. */
export const egressService: ServiceDefinition<EgressConfig> = {
  name: 'egress',
  configSchema: egressEnv,
  module: (config) => AppModule.forConfig(config),
  streams: [Streams.discordCommands, Streams.facts],
  buckets: [EGRESS_COMMANDS_BUCKET, Buckets.configApps],
};
