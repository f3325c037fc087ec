import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Bus, mirrorKv, type MirroredEntry } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import { LOGGER, retryDelayMs } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { CLOCK, type Clock } from '../clock.js';
import { configEntriesTotal } from '../metrics.js';
import { scheduleSettingsOf, type ScheduleSettings } from './schedule-settings.js';
import { ScheduleStore } from './schedule.store.js';

/** Waits between attempts to write a guild's schedule while the database fails: doubling, capped. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

/**
 * Keeps the `schedules` table in step with KV `config-guilds` through `mirrorKv` (snapshot, then
 * changes, each guild's in order); at start it also stops the schedules of guilds whose entry was
 * deleted while it was down. Invalid entries are skipped with a warning; admin-api
 * validates before publishing. A write the database refuses is tried again until it succeeds:
 * the watch never delivers that revision again, and a tenant who turned posts off must not
 * keep getting them after a failover.
 */
@Injectable()
export class ScheduleMirror implements OnApplicationBootstrap, OnModuleDestroy {
  private stopWatching?: () => void;
  private readonly stopping = new AbortController();
  /** Per guild, the newest entry not yet written. */
  private readonly waiting = new Map<string, MirroredEntry>();
  /** Per guild, the loop writing its entries: one at a time, so a retry never overtakes a newer entry. */
  private readonly writers = new Map<string, Promise<void>>();
  /** Guilds with an entry (put or delete) since the mirror started; kept until removed guilds are stopped. */
  private guildsSeen?: Set<string> = new Set();

  constructor(
    private readonly bus: Bus,
    private readonly schedules: ScheduleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const kv = await this.bus.kv(Buckets.configGuilds.name);
    // Guilds removed while the scheduler was down are stopped at this revision: every entry
    // read from here on is newer, so a guild configured again meanwhile stays on.
    const revisionBeforeSnapshot = (await kv.status()).streamInfo.state.last_seq;
    this.stopWatching = await mirrorKv(kv, (entry) => this.enqueue(entry), {
      onInterrupted: (error) =>
        this.logger.warn({ bucket: Buckets.configGuilds.name, err: error }, 'guild configuration watch ended; watching again'),
    });
    await this.stopRemovedGuilds(revisionBeforeSnapshot);
    // The service starts with the snapshot written, as the table is what the ticks read.
    await Promise.all(this.writers.values());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopWatching?.();
    this.stopping.abort();
    await Promise.all(this.writers.values());
  }

  /**
   * A guild whose key was deleted while no replica watched is in neither the snapshot (deleted
   * keys are not listed) nor the watch (it sees later changes only): its schedule is stopped
   * here, as a deletion at the revision the mirror started from.
   */
  private async stopRemovedGuilds(revision: number): Promise<void> {
    const enabled = await this.schedules.enabledGuildIds();
    const seen = this.guildsSeen!;
    this.guildsSeen = undefined;
    for (const guildId of enabled.filter((id) => !seen.has(id))) {
      this.logger.info({ guildId }, 'guild configuration was removed while the scheduler was down; stopping its schedule');
      this.enqueue({ key: guildId, revision, operation: 'DEL', value: new Uint8Array() });
    }
  }

  private enqueue(entry: MirroredEntry): void {
    if (this.stopping.signal.aborted) return;
    this.guildsSeen?.add(entry.key);
    this.waiting.set(entry.key, entry);
    if (!this.writers.has(entry.key)) this.writers.set(entry.key, this.writeWaiting(entry.key));
  }

  private async writeWaiting(guildId: string): Promise<void> {
    let failures = 0;
    try {
      for (let entry = this.waiting.get(guildId); entry && !this.stopping.signal.aborted; entry = this.waiting.get(guildId)) {
        this.waiting.delete(guildId);
        try {
          await this.write(entry);
          failures = 0;
        } catch (error) {
          configEntriesTotal.inc({ result: 'write_failed' });
          // Written again later, unless a newer entry came meanwhile (it wins).
          if (!this.waiting.has(guildId)) this.waiting.set(guildId, entry);
          const delayMs = retryDelayMs(RETRY_FIRST_MS, failures++, RETRY_MAX_MS);
          this.logger.warn({ guildId, revision: entry.revision, err: error, retryInMs: delayMs }, 'could not write the guild schedule; trying again');
          await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        }
      }
    } finally {
      // In the same synchronous step as the last look at `waiting`: no entry is left behind.
      this.writers.delete(guildId);
    }
  }

  /** Writes one entry; rejects only when the database fails. */
  private async write({ key: guildId, revision, operation, value }: MirroredEntry): Promise<void> {
    const now = this.clock.now();
    if (operation !== 'PUT') {
      await this.schedules.disable(guildId, revision, now);
      configEntriesTotal.inc({ result: 'deleted' });
      return;
    }
    let settings: ScheduleSettings;
    try {
      settings = scheduleSettingsOf(JSON.parse(new TextDecoder().decode(value)));
    } catch (error) {
      configEntriesTotal.inc({ result: 'invalid' });
      this.logger.warn({ guildId, revision, err: (error as Error).message }, 'ignoring guild configuration the scheduler cannot use');
      return;
    }
    await this.schedules.apply(settings, revision, now);
    configEntriesTotal.inc({ result: 'applied' });
  }
}
