import { Counter, Histogram, metricsRegistry } from '@steward/telemetry';

// Created once per process: the registry is process-wide.

export const reservesTotal = new Counter({
  name: 'steward_metering_reserves_total',
  help: 'Quota reservations by outcome (granted, denied, replayed: a repeat of a known operation id) and channel',
  labelNames: ['outcome', 'channel'] as const,
  registers: [metricsRegistry],
});

export const rejectionsTotal = new Counter({
  name: 'steward_metering_rejections_total',
  help: 'Reservations refused, by reason (quota_exceeded, plan_excludes_discord, no_subscription)',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

export const reserveDuration = new Histogram({
  name: 'steward_metering_reserve_duration_seconds',
  help: 'Time to answer a reservation, from request to reply',
  buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [metricsRegistry],
});

export const releasesTotal = new Counter({
  name: 'steward_metering_releases_total',
  help: 'Release requests by outcome (released, ignored: unknown, denied or already released)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const notificationsTotal = new Counter({
  name: 'steward_metering_threshold_emails_total',
  help: 'Quota threshold e-mails by threshold and outcome (sent, failed: retried later, skipped)',
  labelNames: ['threshold', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const factPublishFailures = new Counter({
  name: 'steward_metering_fact_publish_failures_total',
  help: 'Usage facts that could not be published at once (the outbox retries them)',
  registers: [metricsRegistry],
});
