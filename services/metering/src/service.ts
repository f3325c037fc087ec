import { Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { MeteringModule } from './app.module.js';
import { systemClock, type Clock } from './clock.js';
import { meteringEnv, type MeteringConfig } from './config.js';
import { database } from './database.js';

/** The metering service; tests pass their own clock to place operations in time. */
export function createMeteringService(options: { clock?: Clock } = {}): ServiceDefinition<MeteringConfig> {
  return {
    name: 'metering',
    configSchema: meteringEnv,
    module: () => MeteringModule.register(options.clock ?? systemClock),
    streams: [{ ...Streams.facts, subjects: [...Streams.facts.subjects] }],
    database,
  };
}

export const meteringService = createMeteringService();
