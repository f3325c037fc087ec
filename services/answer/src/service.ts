import { Streams } from '@steward/contracts';
import type { ServiceDefinition } from '@steward/runtime';
import { AnswerModule } from './app.module.js';
import { answerEnv, type AnswerConfig } from './config.js';
import { database } from './database.js';

/** Knowledge base, retrieval, answer generation and per-member memory. */
export const answerService: ServiceDefinition<AnswerConfig> = {
  name: 'answer',
  configSchema: answerEnv,
  module: (config) => AnswerModule.forRoot(config),
  streams: [Streams.facts, Streams.discordCommands],
  database,
};
