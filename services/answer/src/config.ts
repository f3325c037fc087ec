import { stewardEnv, z } from '@steward/config';

/** Empty strings in the environment mean "not set". */
const optionalText = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.string().min(1).optional(),
);

export const answerEnv = stewardEnv.extend({
  /** The model for answers; the engine's default when unset. */
  STEWARD_ANSWER_MODEL: optionalText,
  /** The model for query rewriting and triage; the engine's default when unset. */
  STEWARD_FAST_MODEL: optionalText,
  /** Questions answered at the same time by one replica. */
  ANSWER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(256, 'must be at most 256')
    .default(16),
  /**
   * A knowledge base up to this many tokens (estimated as characters / 4) goes whole into the
   * cached prompt prefix of the Anthropic engine; a larger one is searched.
   */
  ANSWER_WHOLE_KNOWLEDGE_MAX_TOKENS: z.coerce.number().int().min(0).default(40_000),
  /** "Typing…" is shown in Discord only for answers that take longer than this (0: always). */
  ANSWER_TYPING_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(800),
  /** How long a quota reservation may take before the question is retried later (never answered unmetered). */
  ANSWER_METERING_TIMEOUT_MS: z.coerce.number().int().min(50).default(2_000),
  /**
   * How long one delivery of a question waits for metering to come back before it is handed
   * back to the bus for a later attempt. Waiting in place keeps an outage from using up the
   * question's delivery attempts (five of them: an outage up to five times this is survived).
   */
  ANSWER_METERING_WAIT_MS: z.coerce.number().int().min(0).default(120_000),
  /**
   * How often knowledge documents left `pending` or `indexing` by a replica that stopped or
   * died (its queue is in memory) are looked for and indexed here.
   */
  ANSWER_INDEXING_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(60_000),
});

export type AnswerConfig = z.infer<typeof answerEnv>;
