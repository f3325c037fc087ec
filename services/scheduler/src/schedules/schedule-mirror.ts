import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, type KV } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { CLOCK, type Clock } from '../clock.js';
import { configEntriesTotal } from '../metrics.js';
import { scheduleSettingsOf } from './schedule-settings.js';
import { ScheduleStore } from './schedule.store.js';

/**
 * Keeps the `schedules` table in step with KV `config-guilds`: a watcher for changes, then the
 * snapshot of every key, applied in any order (the revision decides). Invalid entries are
 * skipped with a warning; admin-api validates before publishing.
 */
@Injectable()
export class ScheduleMirror implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopWatching?: () => void;
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly bus: Bus,
    private readonly schedules: ScheduleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const kv = await this.bus.kv(Buckets.configGuilds.name);
    const watcher = await kv.watch({ include: 'updates' });
    this.stopWatching = () => watcher.stop();
    void (async () => {
      for await (const entry of watcher) this.track(this.apply(entry.key, entry.revision, entry.operation, entry.value));
    })();
    await this.loadSnapshot(kv);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWatching?.();
    await Promise.allSettled([...this.pending]);
  }

  private async loadSnapshot(kv: KV): Promise<void> {
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    for (const key of keys) {
      const entry = await kv.get(key);
      if (entry) await this.apply(entry.key, entry.revision, entry.operation, entry.value);
    }
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async apply(guildId: string, revision: number, operation: string, value: Uint8Array): Promise<void> {
    const now = this.clock.now();
    try {
      if (operation !== 'PUT') {
        await this.schedules.disable(guildId, revision, now);
        configEntriesTotal.inc({ result: 'deleted' });
        return;
      }
      const { settings, warnings } = scheduleSettingsOf(JSON.parse(new TextDecoder().decode(value)));
      for (const warning of warnings) this.logger.warn({ guildId }, warning);
      await this.schedules.apply(settings, revision, now);
      configEntriesTotal.inc({ result: 'applied' });
    } catch (error) {
      configEntriesTotal.inc({ result: 'invalid' });
      this.logger.warn({ guildId, revision, err: (error as Error).message }, 'ignoring guild configuration the scheduler cannot use');
    }
  }
}
