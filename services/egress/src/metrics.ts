import { Counter, Gauge, Histogram, metricsRegistry } from '@steward/telemetry';

// Process-wide metrics on the service's registry (served at /metrics on OPS_PORT).

/** Commands by verb and how they ended: ok, failed (Discord refused, permanently), invalid, retry, duplicate. */
export const commandsTotal = new Counter({
  name: 'steward_egress_commands_total',
  help: 'Discord commands handled, by verb and outcome',
  labelNames: ['verb', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** Time spent performing a command against Discord, rate-limit waits and client retries included. */
export const restDuration = new Histogram({
  name: 'steward_egress_rest_duration_seconds',
  help: 'Duration of the Discord REST work of one command, by verb',
  labelNames: ['verb'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Every HTTP response Discord sent, by status code (a retried request counts each time). */
export const restResponsesTotal = new Counter({
  name: 'steward_egress_rest_responses_total',
  help: 'Discord REST responses received, by HTTP status',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

/** 429 responses from Discord; @discordjs/rest waits Retry-After and sends the request again. */
export const rateLimitedTotal = new Counter({
  name: 'steward_egress_rate_limited_total',
  help: 'Discord REST 429 (rate limited) responses received',
  labelNames: ['scope'] as const,
  registers: [metricsRegistry],
});

/** Requests held back by @discordjs/rest because a bucket was known to be exhausted (no 429 needed). */
export const rateLimitWaitsTotal = new Counter({
  name: 'steward_egress_rate_limit_waits_total',
  help: 'Discord REST requests delayed to respect a known rate limit',
  labelNames: ['scope'] as const,
  registers: [metricsRegistry],
});

/** This replica's share of each bot's global REST limit (EGRESS_GLOBAL_REQUESTS_PER_SECOND / replicas). */
export const globalLimitShare = new Gauge({
  name: 'steward_egress_global_limit_share',
  help: "Requests per second this replica lets each bot make: its share of the bot's global REST limit",
  registers: [metricsRegistry],
});
