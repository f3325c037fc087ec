import { Counter, metricsRegistry } from '@steward/telemetry';

export const indexedChunks = new Counter({
  name: 'steward_answer_knowledge_chunks_indexed_total',
  help: 'Knowledge chunks written to the search index',
  registers: [metricsRegistry],
});

export const indexingFailures = new Counter({
  name: 'steward_answer_knowledge_indexing_failures_total',
  help: 'Knowledge documents whose indexing failed',
  registers: [metricsRegistry],
});
