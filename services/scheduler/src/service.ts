import { Buckets, Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { SchedulerModule } from './app.module.js';
import { systemClock, type Clock } from './clock.js';
import { schedulerEnv, type SchedulerConfig } from './config.js';
import { database } from './database.js';

/** Proactive schedules: fires each due post exactly once across replicas. Tests pass their own clock. */
export function createSchedulerService(options: { clock?: Clock } = {}): ServiceDefinition<SchedulerConfig> {
  return {
    name: 'scheduler',
    configSchema: schedulerEnv,
    module: (config) => SchedulerModule.register(config, options.clock ?? systemClock),
    streams: [Streams.facts, Streams.discordCommands],
    buckets: [Buckets.configGuilds],
    database,
  };
}

export const schedulerService = createSchedulerService();
