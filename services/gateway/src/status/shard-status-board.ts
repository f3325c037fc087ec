import type { KV } from '@nats-io/kv';
import {
  GATEWAY_STATUS_REFRESH_MS,
  gatewayStatusKey,
  type GatewayShardStatus,
  type ShardFailure,
} from '@steward/contracts';
import type { Logger } from '@steward/telemetry';

/**
 * Publishes this replica's shards of one application to KV `gateway-status`, so the dashboard
 * can say whether a server's bot is online (and why not). Every change is written at once,
 * every entry is refreshed while the replica runs, and a graceful stop removes them.
 */
export class ShardStatusBoard {
  private readonly current = new Map<number, GatewayShardStatus>();
  /** One write at a time per shard, each writing the latest state: no reordering. */
  private readonly writes = new Map<number, Promise<void>>();
  private readonly refreshTimer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly kv: KV,
    private readonly applicationId: string,
    private readonly shardCount: number,
    private readonly logger: Logger,
  ) {
    this.refreshTimer = setInterval(() => {
      for (const shardId of this.current.keys()) this.write(shardId);
    }, GATEWAY_STATUS_REFRESH_MS);
    this.refreshTimer.unref();
  }

  set(shardId: number, state: GatewayShardStatus['state'], failure?: ShardFailure): void {
    if (this.closed) return;
    const previous = this.current.get(shardId);
    if (previous?.state === state && previous.failure === failure) return;
    this.current.set(shardId, { state, shardCount: this.shardCount, ...(failure ? { failure } : {}) });
    this.write(shardId);
  }

  /** Removes this replica's entries: its shards are no longer served from here. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.refreshTimer);
    await Promise.allSettled(this.writes.values());
    await Promise.allSettled(
      [...this.current.keys()].map((shardId) => this.kv.delete(gatewayStatusKey(this.applicationId, shardId))),
    );
  }

  private write(shardId: number): void {
    const previous = this.writes.get(shardId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const status = this.current.get(shardId);
      if (!status || this.closed) return;
      try {
        await this.kv.put(gatewayStatusKey(this.applicationId, shardId), JSON.stringify(status));
      } catch (error) {
        // Only the dashboard's view suffers; the next change or refresh writes it again.
        this.logger.debug({ err: error, shard: shardId }, 'could not publish the shard status');
      }
    });
    this.writes.set(shardId, next);
  }
}
