/**
 * npm run bench:metering [-- --rate 1000 --seconds 30 --tenants 100]
 *
 * Quota reservations at a fixed rate (open loop: requests go out on schedule whether or not
 * earlier ones have been answered) across many tenants, through real NATS request/reply to the
 * metering service running in this process on real Postgres (throwaway NATS and Postgres
 * unless NATS_URL / DATABASE_URL are set). Every tenant is on Pro, so every reservation should
 * be granted; at the end the ledger must hold exactly as many granted operations as replies
 * said granted, and the counters must add up to the same number.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Bus } from '@steward/bus';
import { MeteringRpc, type MeteringReply } from '@steward/contracts';
import { startService } from '@steward/runtime';
import { createTestDatabase } from '@steward/testing';
import { meteringService } from '../../services/metering/src/service.js';
import { reserveDuration } from '../../services/metering/src/metrics.js';
import {
  currentRssMiB,
  latencySummary,
  numberFlags,
  peakRssMiB,
  report,
  resetStatementTimes,
  sendAtRate,
  sleep,
  statementRows,
  statementTimes,
  withInfrastructure,
} from './src/bench-kit.js';

const KINDS = ['answer', 'moderation', 'proactive', 'api'] as const;
/** The reservation latency the service is built for, at the 99th percentile. */
const TARGET_P99_MS = 5;
/** Seconds of the same load before the measured run: connections, prepared statements, JIT. */
const WARM_UP_SECONDS = 3;

interface DriverInput {
  natsUrl: string;
  rate: number;
  seconds: number;
  tenants: string[];
}

interface DriverResult {
  sent: number;
  latencies: number[];
  granted: number;
  denied: number;
  errors: Array<[string, number]>;
  sendingMs: number;
  elapsedMs: number;
  /** How late the driver's own event loop ran, p99 / max (ms): its stalls show up as latency too. */
  driverLoopDelay: string;
}

const LOOP_DELAY_RESOLUTION_MS = 1;

/**
 * How late the calling thread's event loop ran (its own work, garbage collection, waiting for
 * a core), sampled every millisecond until stopped.
 */
function watchLoopDelay(): { stop(): string } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      // The histogram holds the time between the sampling timer's runs, its interval included.
      const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS).toFixed(1);
      return `${ms(histogram.percentile(99))} / ${ms(histogram.max)}`;
    },
  };
}

/**
 * The load driver runs on its own thread (and NATS connection), so the service's event loop
 * in the main thread serves requests without sharing its time with the driver's.
 */
async function drive({ natsUrl, rate, seconds, tenants }: DriverInput): Promise<DriverResult> {
  const bus = await Bus.connect({ servers: natsUrl, name: 'metering-bench-driver' });
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let granted = 0;
  let denied = 0;
  const inFlight = new Set<Promise<void>>();
  const reserve = (n: number) => {
    const started = performance.now();
    const task = bus
      .requestJson<MeteringReply<'reserve'>>(
        MeteringRpc.reserve.subject,
        {
          tenantId: tenants[Math.abs(n) % tenants.length],
          operationId: `bench-op-${n}`,
          kind: KINDS[Math.abs(n) % KINDS.length],
          channel: n % 5 === 0 ? 'api' : 'discord',
          ...(n % 5 === 0 ? {} : { guildId: String(800000000000000000n + BigInt(Math.abs(n) % 10)) }),
        },
        { timeoutMs: 5_000 },
      )
      .then(
        (reply) => {
          latencies.push(performance.now() - started);
          if (reply.granted) granted++;
          else denied++;
        },
        (error: unknown) => {
          const code =
            (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
          errors.set(code, (errors.get(code) ?? 0) + 1);
        },
      )
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  try {
    // Warm-up at the same rate, with negative operation ids (kept out of the figures).
    await sendAtRate(Math.round(rate * WARM_UP_SECONDS), rate, (n) => reserve(-(n + 1)));
    await Promise.all(inFlight);
    parentPort?.postMessage('warmed-up');
    latencies.length = 0;
    granted = 0;
    denied = 0;
    errors.clear();
    const loopDelay = watchLoopDelay();

    const sent = Math.round(rate * seconds);
    const startedAt = await sendAtRate(sent, rate, reserve);
    const sendingMs = performance.now() - startedAt;
    await Promise.all(inFlight);
    const elapsedMs = performance.now() - startedAt;
    const driverLoopDelay = loopDelay.stop();
    return { sent, latencies, granted, denied, errors: [...errors], sendingMs, elapsedMs, driverLoopDelay };
  } finally {
    await bus.drain();
  }
}

/** p50 and p99 of the service's own reserve-duration histogram, as the bucket bounds that hold them. */
async function serviceLatency(): Promise<string> {
  const metric = await reserveDuration.get();
  const values = metric.values as Array<{
    value: number;
    labels: Record<string, string | number>;
    metricName?: string;
  }>;
  const buckets = values.filter((value) => value.metricName?.endsWith('_bucket'));
  const total = buckets.find((value) => value.labels.le === '+Inf')?.value ?? 0;
  const bound = (share: number) => {
    const hit = buckets.find((value) => value.value >= share * total);
    return hit ? (hit.labels.le === '+Inf' ? '>1000' : `≤${Number(hit.labels.le) * 1000}`) : '?';
  };
  return total ? `${bound(0.5)} / ${bound(0.99)}` : 'no samples';
}

function runDriver(input: DriverInput): Promise<DriverResult & { serviceLoopDelay: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: input });
    let serviceLoop: ReturnType<typeof watchLoopDelay> | undefined;
    worker.on('message', (message: DriverResult | 'warmed-up') => {
      if (message === 'warmed-up') {
        // The service's own histogram then counts the measured requests only.
        reserveDuration.reset();
        serviceLoop = watchLoopDelay();
      } else {
        resolve({ ...message, serviceLoopDelay: serviceLoop?.stop() ?? '?' });
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`load driver exited with code ${code}`)));
  });
}

if (!isMainThread) {
  parentPort!.postMessage(await drive(workerData as DriverInput));
} else {
  const flags = numberFlags({ rate: 1_000, seconds: 30, tenants: 100 });
  await withInfrastructure(async () => {
    const database = await createTestDatabase();
    const metering = await startService(meteringService, {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL: '1',
      LOG_LEVEL: 'warn',
      OPS_PORT: '0',
    });
    const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'metering-bench' });
    try {
      const tenants = Array.from({ length: flags.tenants }, (_, n) => `bench-tenant-${n}`);
      for (const tenantId of tenants) {
        await bus.requestJson(
          MeteringRpc.subscriptionSet.subject,
          { tenantId, plan: 'pro' },
          { timeoutMs: 10_000 },
        );
      }
      await resetStatementTimes();
      const rssBefore = currentRssMiB(process.pid);
      const run = await runDriver({
        natsUrl: process.env.NATS_URL!,
        rate: flags.rate,
        seconds: flags.seconds,
        tenants,
      });
      // Read before the checks below add statements of their own.
      const statements = await statementTimes(5);

      // Requests the driver gave up on may still be in the service: wait until the ledger is
      // still, then read ledger and counters in one snapshot.
      const db = metering.dataSource!;
      let last = -1;
      for (let polls = 0; polls < 240; polls++) {
        const [{ n }] = (await db.query('SELECT count(*)::int AS n FROM operations')) as Array<{ n: number }>;
        if (n === last) break;
        last = n;
        await sleep(500);
      }
      const [totals] = (await db.query(
        `SELECT (SELECT count(*)::int FROM operations WHERE state = 'granted' AND operation_id NOT LIKE 'bench-op--%') AS ledger,
                (SELECT count(*)::int FROM operations WHERE state = 'granted' AND operation_id LIKE 'bench-op--%') AS warm_up,
                (SELECT COALESCE(sum(used), 0)::int FROM period_usage) AS counters,
                (SELECT count(*)::int FROM usage_outbox) AS unpublished`,
      )) as Array<{ ledger: number; warm_up: number; counters: number; unpublished: number }>;
      const { ledger, unpublished } = totals!;
      const counters = totals!.counters - totals!.warm_up;
      const latency = latencySummary(run.latencies);
      const inService = await serviceLatency();
      const errorCount = run.errors.reduce((sum, [, n]) => sum + n, 0);

      report('metering: quota reservations over NATS request/reply', {
        'target rate (req/s)': flags.rate,
        'duration (s)': flags.seconds,
        tenants: flags.tenants,
        'requests sent': run.sent,
        'sending took (s)': run.sendingMs / 1000,
        'achieved throughput (replies/s)': (latency.count / run.elapsedMs) * 1000,
        'granted / denied replies': `${run.granted} / ${run.denied}`,
        errors: errorCount
          ? `${errorCount} (${run.errors.map(([code, n]) => `${code}: ${n}`).join(', ')})`
          : 0,
        'latency p50 (ms)': latency.p50,
        'latency p95 (ms)': latency.p95,
        'latency p99 (ms)': latency.p99,
        'latency max (ms)': latency.max,
        // The target (p99 ≤ 5 ms) holds while at most 1 % of replies take longer.
        [`replies slower than ${TARGET_P99_MS} ms`]: `${((run.latencies.filter((ms) => ms > TARGET_P99_MS).length / Math.max(1, latency.count)) * 100).toFixed(2)} %`,
        'in-service time p50 / p99 (ms, histogram bucket bounds)': inService,
        'event-loop delay p99 / max, service thread (ms)': run.serviceLoopDelay,
        'event-loop delay p99 / max, load driver thread (ms)': run.driverLoopDelay,
        'process RSS before / after / peak (MiB)': `${rssBefore?.toFixed(0)} / ${currentRssMiB(process.pid)?.toFixed(0)} / ${peakRssMiB(process.pid)?.toFixed(0)}`,
        'ledger: granted operations': ledger,
        'counters: messages used': counters,
        'ledger equals counters': ledger === counters ? 'yes' : 'NO',
        'ledger equals granted replies':
          ledger === run.granted ? 'yes' : `no (${ledger - run.granted} granted after the caller gave up)`,
        'usage facts not yet published': unpublished,
        ...statementRows(statements, run.sent, 'reservation'),
      });
    } finally {
      await bus.drain();
      await metering.stop();
      await database.drop();
    }
  });
}
