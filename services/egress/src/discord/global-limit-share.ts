import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import { CONFIG, LOGGER, PeriodicTask } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { EgressConfig } from '../config.js';
import { globalLimitShare } from '../metrics.js';
import { DiscordRestClients } from './rest-clients.js';

/**
 * Discord's global limit holds per bot, whichever replica calls: with N replicas each paces a
 * bot to 1/N of EGRESS_GLOBAL_REQUESTS_PER_SECOND. A replica keeps a key in KV
 * `egress-replicas` while it runs and counts the keys on every heartbeat; a stopped replica
 * removes its key, a crashed one's expires with the bucket's max age (30 s).
 */
@Injectable()
export class GlobalLimitShare implements OnModuleInit, OnModuleDestroy {
  /** Unique per process: a pod's name may come back while its predecessor's key is still there. */
  private readonly replicaKey = `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${randomUUID().slice(0, 8)}`;
  private kv?: KV;
  private replicas = 1;
  private readonly heartbeat: PeriodicTask;

  constructor(
    private readonly bus: Bus,
    private readonly clients: DiscordRestClients,
    @Inject(CONFIG) private readonly config: EgressConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.heartbeat = new PeriodicTask(
      () => this.beat(),
      config.EGRESS_REPLICA_HEARTBEAT_MS,
      (error) => this.heartbeatFailed(error),
    );
  }

  async onModuleInit(): Promise<void> {
    globalLimitShare.set(this.config.EGRESS_GLOBAL_REQUESTS_PER_SECOND);
    await this.bus.ensureBuckets([Buckets.egressReplicas]);
    this.kv = await this.bus.kv(Buckets.egressReplicas.name);
    // The share holds before the first command is taken.
    await this.beat().catch((error: unknown) => this.heartbeatFailed(error));
    this.heartbeat.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.heartbeat.stop();
    // The others take this replica's share at their next heartbeat.
    await this.kv
      ?.delete(this.replicaKey)
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error },
          `could not remove this replica from KV egress-replicas; the others take its share once its key expires (${Buckets.egressReplicas.ttlMs / 1000} s)`,
        ),
      );
  }

  /** Says this replica runs, then counts the running ones (on a NATS failure the last count stands). */
  private async beat(): Promise<void> {
    await this.kv!.put(this.replicaKey, JSON.stringify({ atMs: Date.now() }));
    let running = 0;
    for await (const key of await this.kv!.keys()) if (key) running += 1;
    running = Math.max(1, running);
    if (running !== this.replicas) {
      this.replicas = running;
      this.apply();
    }
  }

  private heartbeatFailed(error: unknown): void {
    this.logger.warn(
      { err: error },
      'could not count the egress replicas; keeping the last global limit share',
    );
  }

  private apply(): void {
    const share = Math.max(1, Math.floor(this.config.EGRESS_GLOBAL_REQUESTS_PER_SECOND / this.replicas));
    this.clients.setGlobalRequestsPerSecond(share);
    globalLimitShare.set(share);
    this.logger.info(
      { replicas: this.replicas, requestsPerSecond: share },
      'each bot is paced to its share of the global REST limit',
    );
  }
}
