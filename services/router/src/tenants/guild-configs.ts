/**
 * The `config-guilds` KV bucket, mirrored in memory: the bucket is watched, so a guild linked
 * to a tenant or a changed setting applies to the next message without a restart.
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { Bus, type KV } from '@steward/bus';
import { Buckets, guildConfig, type GuildConfig } from '@steward/contracts';
import { z } from '@steward/config';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { RouterConfig } from '../config.js';
import { resolveTenant, type TenantResolution } from './tenant-resolution.js';

type KvWatcher = Awaited<ReturnType<KV['watch']>>;
type KvWatchEntry = KvWatcher extends AsyncIterable<infer E> ? E : never;

const REWATCH_DELAY_MS = 1_000;
const INITIAL_LOAD_TIMEOUT_MS = 5_000;

@Injectable()
export class GuildConfigs implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, GuildConfig>();
  /** The bucket's last revision when the router started: entries up to it were loaded, not changed. */
  private startRevision?: number;
  private watcher?: KvWatcher;
  private stopped = false;
  private watching?: Promise<void>;
  private markLoaded!: () => void;
  private readonly loaded = new Promise<void>((resolve) => (this.markLoaded = resolve));

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: RouterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.watching = this.watchLoop();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.watcher?.stop();
    await this.watching;
  }

  /** Resolves once the bucket's current entries are loaded; throws (so the caller retries) after a while. */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`guild configuration (KV ${Buckets.configGuilds.name}) not loaded yet`)),
        INITIAL_LOAD_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.loaded, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The tenant (and its settings) that owns `guildId` for the bot `applicationId`. */
  resolve(guildId: string, applicationId: string): TenantResolution {
    return resolveTenant(this.entries.get(guildId), applicationId, this.config.STEWARD_LOCAL_TENANT_ID);
  }

  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const kv = await this.bus.kv(Buckets.configGuilds.name);
        // Read before the watch starts, so that a change made meanwhile still counts as one.
        this.startRevision ??= (await kv.status()).streamInfo.state.last_seq;
        this.watcher = await kv.watch();
        // The watcher marks the last of the current values as an update; an empty bucket has none.
        if ((await kv.status()).values === 0) this.markLoaded();
        for await (const entry of this.watcher) {
          this.apply(entry);
          if (entry.isUpdate) this.markLoaded();
        }
      } catch (error) {
        if (!this.stopped) this.logger.warn({ err: error }, 'watching guild configuration failed');
      }
      if (this.stopped) return;
      this.logger.warn(
        { bucket: Buckets.configGuilds.name },
        'guild configuration watch ended; watching again',
      );
      await sleep(REWATCH_DELAY_MS);
    }
  }

  /**
   * A change made while the router runs is logged at info, so that a change of behaviour can be
   * traced to its moment; the values it starts with, and rewrites of the same settings (a watch
   * started again, admin-api publishing every guild when it starts), at debug.
   */
  private apply(entry: KvWatchEntry): void {
    const guildId = entry.key;
    const previous = this.entries.get(guildId);
    const madeWhileRunning = entry.revision > (this.startRevision ?? Infinity);
    if (entry.operation !== 'PUT') {
      this.entries.delete(guildId);
      const level = madeWhileRunning && previous ? 'info' : 'debug';
      this.logger[level]({ guildId, revision: entry.revision }, 'guild configuration removed');
      return;
    }
    let parsed: z.ZodSafeParseResult<GuildConfig>;
    try {
      parsed = guildConfig.safeParse(entry.json());
    } catch {
      this.logger.warn(
        { guildId, revision: entry.revision },
        'guild configuration is not JSON; keeping the previous one',
      );
      return;
    }
    if (!parsed.success || parsed.data.guildId !== guildId) {
      const problem = parsed.success
        ? `guildId ${parsed.data.guildId} does not match its key`
        : z.prettifyError(parsed.error);
      this.logger.warn(
        { guildId, revision: entry.revision, problem },
        'invalid guild configuration; keeping the previous one',
      );
      return;
    }
    this.entries.set(guildId, parsed.data);
    const changed = madeWhileRunning && !isDeepStrictEqual(previous, parsed.data);
    this.logger[changed ? 'info' : 'debug'](
      { guildId, tenantId: parsed.data.tenantId, revision: entry.revision },
      changed ? 'guild configuration changed' : 'guild configuration loaded',
    );
  }
}
