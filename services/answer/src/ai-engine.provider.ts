import type { Provider } from '@nestjs/common';
import { createAiEngine } from '@steward/ai';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { AnswerConfig } from './config.js';

export const AI_ENGINE = Symbol('answer:ai-engine');

/** Anthropic (with the offline engine as fallback) when a key is configured, the offline engine otherwise. */
export const aiEngineProvider: Provider = {
  provide: AI_ENGINE,
  inject: [CONFIG, LOGGER],
  useFactory: (config: AnswerConfig, logger: Logger) =>
    createAiEngine({
      anthropicApiKey: config.ANTHROPIC_API_KEY,
      anthropicBaseUrl: config.ANTHROPIC_BASE_URL,
      answerModel: config.STEWARD_ANSWER_MODEL,
      fastModel: config.STEWARD_FAST_MODEL,
      logger: logger.child({ component: 'ai' }),
    }),
};
