import { Counter, Histogram, metricsRegistry } from '@steward/telemetry';

/** Messages received, by event (create, update) and what became of them (skipped_<why>, no_action, actioned, ...). */
export const messagesTotal = new Counter({
  name: 'steward_moderation_messages_total',
  help: 'Messages seen by moderation, by event and result',
  labelNames: ['event', 'result'] as const,
  registers: [metricsRegistry],
});

/** Logged decisions by action and outcome (pending, blocked, shadow, flagged; done and failed when Discord answers). */
export const decisionsTotal = new Counter({
  name: 'steward_moderation_decisions_total',
  help: 'Moderation decisions logged, by action and outcome',
  labelNames: ['action', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** From receiving a message to the final decision (judge and policy), by the engine that judged. */
export const decisionSeconds = new Histogram({
  name: 'steward_moderation_decision_seconds',
  help: 'Time to decide about one message, by judging engine',
  labelNames: ['engine'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Kicks and bans held back by the circuit breaker. */
export const breakerTripsTotal = new Counter({
  name: 'steward_moderation_breaker_trips_total',
  help: 'Kicks and bans downgraded to flagged for review by the circuit breaker',
  registers: [metricsRegistry],
});

export const llmTokens = new Counter({
  name: 'steward_moderation_llm_tokens_total',
  help: 'Language model tokens used to judge messages, by kind (input, output, cache_read, cache_creation)',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});
