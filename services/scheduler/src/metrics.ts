import { Counter, Histogram, metricsRegistry } from '@steward/telemetry';

export const configEntriesTotal = new Counter({
  name: 'steward_scheduler_config_entries_total',
  help: 'Guild configuration revisions the scheduler read, by result (applied, deleted, invalid; write_failed: the database refused it, tried again).',
  labelNames: ['result'],
  registers: [metricsRegistry],
});

export const runsStartedTotal = new Counter({
  name: 'steward_scheduler_runs_started_total',
  help: 'Due slots taken up, by how (new, takeover after a silent replica, retry of a blocked run, collapsed into an open run, deferred by quiet hours).',
  labelNames: ['kind'],
  registers: [metricsRegistry],
});

export const runsFinishedTotal = new Counter({
  name: 'steward_scheduler_runs_finished_total',
  help: 'Runs by outcome (posted, quota_exceeded, skipped, failed) and blocked attempts (channel_missing, channel_unwritable, discord_unavailable).',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

export const postDelaySeconds = new Histogram({
  name: 'steward_scheduler_post_delay_seconds',
  help: 'Time from a post being due to Discord having it.',
  buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
  registers: [metricsRegistry],
});

export const tickSeconds = new Histogram({
  name: 'steward_scheduler_tick_seconds',
  help: 'Duration of one scheduler tick (claiming due slots and expired leases).',
  buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [metricsRegistry],
});
