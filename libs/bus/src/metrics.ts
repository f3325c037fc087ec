// Prometheus metrics of the bus: what every consumer, publisher and responder did. They are
// registered on the registry the owner of the connection passes in (a service's /metrics
// registry), so the bus needs no telemetry library of its own.
import { Counter, Histogram, Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function createBusMetrics(registry: Registry) {
  const registers = [registry];
  const consumerLabels = ['stream', 'durable'] as const;
  return {
    received: new Counter({
      name: 'steward_bus_messages_received_total',
      help: 'JetStream messages delivered to a durable consumer (redeliveries included)',
      labelNames: consumerLabels,
      registers,
    }),
    acked: new Counter({
      name: 'steward_bus_messages_acked_total',
      help: 'Messages acknowledged after their handler succeeded',
      labelNames: consumerLabels,
      registers,
    }),
    naked: new Counter({
      name: 'steward_bus_messages_naked_total',
      help: 'Messages handed back for redelivery (handler failed and will retry, or consumer stopping)',
      labelNames: [...consumerLabels, 'reason'] as const,
      registers,
    }),
    terminated: new Counter({
      name: 'steward_bus_messages_terminated_total',
      help: 'Messages terminated (never delivered again) after being dead-lettered',
      labelNames: consumerLabels,
      registers,
    }),
    deadLettered: new Counter({
      name: 'steward_bus_dead_letters_total',
      help: 'Messages recorded on the DEAD_LETTER stream, by reason (permanent, max_deliver)',
      labelNames: [...consumerLabels, 'reason'] as const,
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'steward_bus_handler_duration_seconds',
      help: 'Time a consumer handler took for one delivery, by outcome (ack, nak, dead_letter)',
      labelNames: [...consumerLabels, 'outcome'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    published: new Counter({
      name: 'steward_bus_published_total',
      help: 'JetStream publishes, by stream and result (stored, duplicate, error)',
      labelNames: ['stream', 'result'] as const,
      registers,
    }),
    publishDuration: new Histogram({
      name: 'steward_bus_publish_duration_seconds',
      help: 'Time from publish until the stream acknowledged storing the message',
      labelNames: ['stream'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    rpcRequests: new Counter({
      name: 'steward_bus_rpc_requests_total',
      help: 'Requests sent on rpc.* subjects, by subject and outcome (ok or the error code)',
      labelNames: ['subject', 'outcome'] as const,
      registers,
    }),
    rpcServed: new Counter({
      name: 'steward_bus_rpc_served_total',
      help: 'Requests answered on rpc.* subjects, by subject and outcome (ok or the error code)',
      labelNames: ['subject', 'outcome'] as const,
      registers,
    }),
    rpcDuration: new Histogram({
      name: 'steward_bus_rpc_duration_seconds',
      help: 'Time from sending a request until its reply (or failure), by subject',
      labelNames: ['subject'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
  };
}

export type BusMetrics = ReturnType<typeof createBusMetrics>;

// One set per registry: several connections of one process (rare) share the same series.
const byRegistry = new WeakMap<Registry, BusMetrics>();

/** The bus metrics on `registry`, created on first use; a private registry when none is given. */
export function busMetrics(registry: Registry = new Registry()): BusMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createBusMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
