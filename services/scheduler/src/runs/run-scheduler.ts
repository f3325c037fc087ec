import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { CLOCK, type Clock } from '../clock.js';
import type { SchedulerConfig } from '../config.js';
import { runsFinishedTotal, runsStartedTotal, tickSeconds } from '../metrics.js';
import { RunProcessor } from './run-processor.js';
import { RunStore, type RunRow } from './run.store.js';

/** Schedules and runs taken up per tick; the rest waits for the next one. */
const BATCH = 20;

/**
 * The replica's loop: every tick it claims the due slots no other replica holds and the runs
 * whose lease ran out, then moves each one step on. Any number of replicas run it side by side.
 */
@Injectable()
export class RunScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  /** This replica's name on the leases it holds. */
  readonly replicaId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly runs: RunStore,
    private readonly processor: RunProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.repeat();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /** One pass: claim, then advance everything claimed, then give back what unposted runs reserved. */
  async tick(): Promise<void> {
    const stopTimer = tickSeconds.startTimer();
    try {
      const claimed = await this.claim();
      await Promise.all(claimed.map((run) => this.processor.advance(run, this.replicaId)));
      await this.processor.releaseUnusedReservations(BATCH);
    } finally {
      stopTimer();
    }
  }

  /** Claims due slots and expired leases for this replica, without advancing them yet. */
  async claim(): Promise<RunRow[]> {
    const now = this.clock.now();
    const lease = this.config.SCHEDULER_LEASE_MS;
    const { started, collapsed, deferred, skipped, superseded } = await this.runs.startDueRuns(now, this.replicaId, lease, BATCH);
    const takenOver = await this.runs.takeOverExpired(now, this.replicaId, lease, BATCH);
    if (started.length) runsStartedTotal.inc({ kind: 'new' }, started.length);
    if (collapsed) runsStartedTotal.inc({ kind: 'collapsed' }, collapsed);
    if (deferred) runsStartedTotal.inc({ kind: 'deferred' }, deferred);
    if (skipped) runsStartedTotal.inc({ kind: 'skipped' }, skipped);
    if (superseded) runsFinishedTotal.inc({ outcome: 'failed' }, superseded);
    for (const run of takenOver) {
      runsStartedTotal.inc({ kind: run.state === 'blocked' ? 'retry' : 'takeover' });
      if (run.state !== 'blocked') {
        this.logger.warn({ runId: run.runId, guildId: run.guildId, state: run.state, attempts: run.attempts }, 'took over a run whose lease expired');
      }
    }
    return [...started, ...takenOver];
  }

  private async repeat(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await this.tick().catch((error: unknown) => this.logger.error({ err: error }, 'scheduler tick failed'));
      await sleep(this.config.SCHEDULER_TICK_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }
}
