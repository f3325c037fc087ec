import { Counter, Histogram, metricsRegistry } from '@steward/telemetry';

export const proactivePostsWritten = new Counter({
  name: 'steward_answer_proactive_posts_written_total',
  help: 'Proactive posts written, by engine and whether the first draft was too close to a recent post.',
  labelNames: ['engine', 'regenerated'],
  registers: [metricsRegistry],
});

export const proactiveWriteSeconds = new Histogram({
  name: 'steward_answer_proactive_write_seconds',
  help: 'Time to write one proactive post (retrieval and generation, a second draft included).',
  buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
  registers: [metricsRegistry],
});
