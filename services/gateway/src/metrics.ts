import { Counter, Gauge, Histogram, metricsRegistry } from '@steward/telemetry';

const registers = [metricsRegistry];

/** What a shard holds unacknowledged: read when metrics are scraped, not written per dispatch. */
export interface BacklogSource {
  readonly applicationId: string;
  readonly shardId: number;
  readonly backlog: number;
}

/** The shards' publishers while they run; the backlog gauge reads them at scrape time. */
export const backlogSources = new Set<BacklogSource>();

export const gatewayMetrics = {
  dispatchesPublished: new Counter({
    name: 'steward_gateway_dispatches_published_total',
    help: 'Gateway dispatches stored in JetStream (replays de-duplicated by the stream included), by event type',
    labelNames: ['type'] as const,
    registers,
  }),
  publishLatency: new Histogram({
    name: 'steward_gateway_publish_latency_seconds',
    help: 'Time from receiving a dispatch to JetStream acknowledging it',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30],
    registers,
  }),
  publishFailures: new Counter({
    name: 'steward_gateway_publish_failures_total',
    help: 'JetStream publish attempts that failed and will be retried',
    registers,
  }),
  backlog: new Gauge({
    name: 'steward_gateway_backlog_dispatches',
    help: 'Dispatches received but not yet acknowledged by JetStream, per shard',
    labelNames: ['application', 'shard'] as const,
    registers,
    collect() {
      this.reset();
      for (const source of backlogSources)
        this.set({ application: source.applicationId, shard: String(source.shardId) }, source.backlog);
    },
  }),
  shardStatus: new Gauge({
    name: 'steward_gateway_shard_status',
    help: 'Shard state: 0 disconnected, 1 connecting, 2 resuming, 3 ready, -1 stopped after a fatal close',
    labelNames: ['application', 'shard'] as const,
    registers,
  }),
  sessionsStarted: new Counter({
    name: 'steward_gateway_sessions_started_total',
    help: 'Gateway sessions established, by how: identify (new session) or resume',
    labelNames: ['application', 'kind'] as const,
    registers,
  }),
  reconnects: new Counter({
    name: 'steward_gateway_reconnects_total',
    help: 'Gateway connections closed other than by a shutdown of the gateway, by close code',
    labelNames: ['application', 'code'] as const,
    registers,
  }),
};

export const ShardStatus = { Disconnected: 0, Connecting: 1, Resuming: 2, Ready: 3, Stopped: -1 } as const;
