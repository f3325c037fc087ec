import { Counter, Histogram, metricsRegistry } from '@steward/telemetry';

export const answersTotal = new Counter({
  name: 'steward_answer_answers_total',
  help: 'Questions handled, by outcome and the engine that answered',
  labelNames: ['outcome', 'engine'] as const,
  registers: [metricsRegistry],
});

export const redeliveriesSkipped = new Counter({
  name: 'steward_answer_redeliveries_skipped_total',
  help: 'Answer requests delivered again after they were answered, acked without generating',
  registers: [metricsRegistry],
});

export const generationSeconds = new Histogram({
  name: 'steward_answer_generation_seconds',
  help: 'Time from taking an answer request to publishing the reply',
  labelNames: ['engine'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
  registers: [metricsRegistry],
});

export const retrievalSeconds = new Histogram({
  name: 'steward_answer_retrieval_seconds',
  help: 'Time to find the knowledge passages for a question (query rewrite included)',
  labelNames: ['mode'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
  registers: [metricsRegistry],
});

export const llmTokens = new Counter({
  name: 'steward_answer_llm_tokens_total',
  help: 'Language model tokens used for answers, by kind (input, output, cache_read, cache_creation)',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const quotaDecisions = new Counter({
  name: 'steward_answer_quota_decisions_total',
  help: 'Quota reservations for answers: granted, refused (by reason), metering unavailable, released after a failure',
  labelNames: ['decision'] as const,
  registers: [metricsRegistry],
});
