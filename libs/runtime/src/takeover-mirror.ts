import type { FactoryProvider, OnModuleDestroy } from '@nestjs/common';
import { Bus, mirrorKv, type MirroredEntry } from '@steward/bus';
import { Buckets, DEFAULT_TAKEOVER_WINDOW_MS, takeoverEntry, takeoverKey } from '@steward/contracts';
import type { Logger } from '@steward/telemetry';
import { LOGGER } from './tokens.js';

const SWEEP_INTERVAL_MS = 60_000;
const FOLLOW_RETRY_MS = 1_000;

/** Who holds a conversation and until when; no tenant when the entry could not be read. */
interface Hold {
  untilMs: number;
  tenantId?: string;
}

/**
 * The conversations a person is in charge of (KV `takeover`), mirrored in memory: the router
 * asks for every member message and interactions for every /ask, so the answer is a map read
 * instead of a NATS round trip. A key ends at its entry's `untilMs`; the bucket's max age
 * removes keys without telling watchers, so expiry is checked here too.
 */
export class TakeoverMirror implements OnModuleDestroy {
  /** Who holds each conversation, by bucket key. */
  private readonly holders = new Map<string, Hold>();
  private stopWatching?: () => void;
  private retryTimer?: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;

  private constructor() {
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Mirrors the bucket, which must exist (declare it with `Bus.ensureBuckets` first). */
  static async open(bus: Bus, logger?: Pick<Logger, 'warn'>): Promise<TakeoverMirror> {
    const mirror = new TakeoverMirror();
    await mirror.start(bus, logger);
    return mirror;
  }

  /**
   * For a service that does not declare the bucket (it belongs to the router and takeover
   * services, with their window): until the bucket exists nobody can have taken over, and the
   * mirror keeps trying in the background.
   */
  static follow(bus: Bus, logger?: Pick<Logger, 'debug' | 'warn'>): TakeoverMirror {
    const mirror = new TakeoverMirror();
    const attempt = () => {
      mirror.start(bus, logger).catch((error: unknown) => {
        if (mirror.closed) return;
        logger?.debug({ err: error }, 'takeover bucket not readable yet; nobody has taken over meanwhile');
        mirror.retryTimer = setTimeout(attempt, FOLLOW_RETRY_MS);
        mirror.retryTimer.unref();
      });
    };
    attempt();
    return mirror;
  }

  /**
   * Whether one of the tenant's people is in charge of the conversation at `nowMs`. A hold of
   * the tenant the server was linked to before does not silence the AI for the new one (the
   * key stays until its window ends).
   */
  holds(conversationId: string, tenantId: string, nowMs = Date.now()): boolean {
    const hold = this.holders.get(takeoverKey(conversationId));
    if (!hold || hold.untilMs <= nowMs) return false;
    return hold.tenantId === undefined || hold.tenantId === tenantId;
  }

  /** A put this process made: in effect here at once, before the watcher brings it back. */
  record(conversationId: string, value: unknown): void {
    this.holders.set(takeoverKey(conversationId), holdOf(value));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.sweepTimer);
    this.stopWatching?.();
  }

  onModuleDestroy(): void {
    this.close();
  }

  private async start(bus: Bus, logger?: Pick<Logger, 'warn'>): Promise<void> {
    const kv = await bus.kv(Buckets.takeover.name);
    const stop = await mirrorKv(kv, (entry) => this.applyEntry(entry), {
      onInterrupted: (error) => logger?.warn({ bucket: Buckets.takeover.name, err: error }, 'takeover watch ended; watching again'),
    });
    if (this.closed) stop();
    else this.stopWatching = stop;
  }

  private applyEntry(entry: MirroredEntry): void {
    if (entry.operation !== 'PUT') {
      this.holders.delete(entry.key);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(entry.value));
    } catch {
      value = undefined;
    }
    this.holders.set(entry.key, holdOf(value));
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, hold] of this.holders) if (hold.untilMs <= now) this.holders.delete(key);
  }
}

/** An unreadable entry still means someone took over: for a default window, whatever the tenant. */
function holdOf(value: unknown): Hold {
  const parsed = takeoverEntry.safeParse(value);
  return parsed.success
    ? { untilMs: parsed.data.untilMs, tenantId: parsed.data.tenantId }
    : { untilMs: Date.now() + DEFAULT_TAKEOVER_WINDOW_MS };
}

/**
 * The mirror for a service that reads KV `takeover` but does not declare it (interactions,
 * answer): it follows the bucket, and closes with the module.
 */
export const takeoverMirrorProvider: FactoryProvider<TakeoverMirror> = {
  provide: TakeoverMirror,
  inject: [Bus, LOGGER],
  useFactory: (bus: Bus, logger: Logger) => TakeoverMirror.follow(bus, logger),
};
