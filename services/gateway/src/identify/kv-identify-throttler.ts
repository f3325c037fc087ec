import { setTimeout as sleep } from 'node:timers/promises';
import type { IIdentifyThrottler } from '@discordjs/ws';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { retryDelayMs } from '@steward/runtime';

/** Pauses before asking KV again after it failed: doubling from the first, at most the last. */
const KV_RETRY_FIRST_MS = 100;
const KV_RETRY_MAX_MS = 2_000;

/** Expired identify records are meaningless; the bucket keeps them a minute. */
export const identifyBucket = { name: 'gateway-identify', history: 1, ttlMs: 60_000 } as const;

export interface KvIdentifyThrottlerOptions {
  kv: KV;
  applicationId: string;
  /** `session_start_limit.max_concurrency` from `GET /gateway/bot`. */
  maxConcurrency: number;
  /** Discord allows one IDENTIFY per bucket every 5 s. */
  intervalMs: number;
}

/**
 * Discord's identify limit, enforced across every replica of the gateway: each max_concurrency
 * bucket (`shardId % max_concurrency`) is a KV key `<appId>.<bucket>` holding the time of its last
 * IDENTIFY. A shard may identify once that time is `intervalMs` old and it wins the
 * compare-and-set of the key's revision; a replica that loses the race reads the new time and waits.
 */
export class KvIdentifyThrottler implements IIdentifyThrottler {
  /**
   * The recorded time is taken before the compare-and-set and the IDENTIFY leaves a round trip
   * later, while Discord counts arrivals: keep a margin (10 % of the interval, at most 1 s).
   */
  private readonly safetyMs: number;

  constructor(private readonly options: KvIdentifyThrottlerOptions) {
    this.safetyMs = Math.min(1_000, Math.ceil(options.intervalMs / 10));
  }

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const { kv, applicationId, maxConcurrency, intervalMs } = this.options;
    const key = `${applicationId}.${shardId % maxConcurrency}`;
    let kvFailures = 0;
    // KV failing (a NATS hiccup) is waited out: thrown, it would make @discordjs/ws reconnect and
    // then IDENTIFY without asking the throttle at all.
    const afterKvFailure = (error: unknown) => {
      if (signal.aborted) throw error;
      return sleep(retryDelayMs(KV_RETRY_FIRST_MS, kvFailures++, KV_RETRY_MAX_MS), undefined, { signal });
    };
    for (;;) {
      signal.throwIfAborted();
      let entry: Awaited<ReturnType<KV['get']>>;
      try {
        entry = await kv.get(key);
      } catch (error) {
        await afterKvFailure(error);
        continue;
      }
      const last = entry && entry.operation === 'PUT' ? Number(entry.string()) : 0;
      const wait = (Number.isFinite(last) ? last : 0) + intervalMs + this.safetyMs - Date.now();
      if (wait > 0) {
        // A little jitter so replicas waiting on the same bucket do not all race at the same instant.
        await sleep(wait + Math.floor(Math.random() * Math.min(50, intervalMs / 10 + 1)), undefined, { signal });
        continue;
      }
      const now = String(Date.now());
      try {
        if (entry) await kv.update(key, now, entry.revision);
        else await kv.create(key, now);
        signal.throwIfAborted();
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        // Another shard identified first: read its time and wait for the next slot. Any other
        // failure may have written our time all the same: read it again too, after a pause.
        if (!isRevisionConflict(error)) await afterKvFailure(error);
      }
    }
  }
}

function isRevisionConflict(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
