import type { Provider } from '@nestjs/common';
import { createProactiveWriter } from '@steward/ai';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { AnswerConfig } from '../config.js';

export const PROACTIVE_WRITER = Symbol('answer:proactive-writer');

/** Claude's answer model with the offline writer as fallback when a key is configured, offline otherwise. */
export const proactiveWriterProvider: Provider = {
  provide: PROACTIVE_WRITER,
  inject: [CONFIG, LOGGER],
  useFactory: (config: AnswerConfig, logger: Logger) =>
    createProactiveWriter({
      anthropicApiKey: config.ANTHROPIC_API_KEY,
      anthropicBaseUrl: config.ANTHROPIC_BASE_URL,
      model: config.STEWARD_ANSWER_MODEL,
      logger: logger.child({ component: 'proactive-writer' }),
    }),
};
