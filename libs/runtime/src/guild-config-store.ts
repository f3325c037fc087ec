import { isDeepStrictEqual } from 'node:util';
import type { FactoryProvider, OnModuleDestroy } from '@nestjs/common';
import { z } from '@steward/config';
import { Buckets, guildConfig, type GuildConfig } from '@steward/contracts';
import { Bus, mirrorKv, type MirroredEntry } from '@steward/bus';
import type { Logger } from '@steward/telemetry';
import { resolveTenant, type TenantResolution } from './tenant-resolution.js';
import { CONFIG, LOGGER } from './tokens.js';

export interface GuildConfigStoreOptions {
  /** Local mode: this tenant owns every guild that has no configuration of its own. */
  localTenantId?: string;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/**
 * The services' read-only view of KV `config-guilds`: a snapshot loaded at start and kept up
 * to date by a watcher, so a lookup on the hot path is a map read. An entry that does not parse,
 * or whose guildId is not its key, is skipped with a warning and the previous one kept
 * (admin-api validates before publishing; this is the last guard).
 *
 * A change made while the service runs is logged at info, so that a change of behaviour can be
 * traced to its moment; the values it starts with, and rewrites of the same settings (admin-api
 * publishes every guild when it starts), at debug.
 */
export class GuildConfigStore implements OnModuleDestroy {
  private readonly configs = new Map<string, GuildConfig>();
  private stopWatching?: () => void;
  /** The bucket's last revision before the mirror started: entries up to it were loaded, not changed. */
  private startRevision = Infinity;

  private constructor(private readonly options: GuildConfigStoreOptions) {}

  static async open(bus: Bus, options: GuildConfigStoreOptions = {}): Promise<GuildConfigStore> {
    const store = new GuildConfigStore(options);
    const kv = await bus.kv(Buckets.configGuilds.name);
    // Read before the mirror starts, so that a change made meanwhile still counts as one.
    store.startRevision = (await kv.status()).streamInfo.state.last_seq;
    store.stopWatching = await mirrorKv(kv, (entry) => store.apply(entry), {
      onInterrupted: (error) =>
        options.logger?.warn(
          { bucket: Buckets.configGuilds.name, err: error },
          'guild configuration watch ended; watching again',
        ),
    });
    return store;
  }

  /** The tenant (and its settings) that owns `guildId` for the bot `applicationId`. */
  resolve(guildId: string, applicationId: string): TenantResolution {
    return resolveTenant(this.configs.get(guildId), applicationId, this.options.localTenantId);
  }

  /**
   * The guild's configuration, whichever bot serves it; with `applicationId`, in local mode an
   * unconfigured guild belongs to the local tenant. `resolve` tells whether this bot serves it.
   */
  get(guildId: string, applicationId?: string): GuildConfig | undefined {
    const known = this.configs.get(guildId);
    if (known || applicationId === undefined) return known;
    const owner = this.resolve(guildId, applicationId);
    return owner.kind === 'tenant'
      ? { guildId, tenantId: owner.tenantId, applicationId, plan: 'pro', settings: owner.settings }
      : undefined;
  }

  close(): void {
    this.stopWatching?.();
  }

  onModuleDestroy(): void {
    this.close();
  }

  private apply(entry: MirroredEntry): void {
    const { key: guildId, revision } = entry;
    const logger = this.options.logger;
    const previous = this.configs.get(guildId);
    const madeWhileRunning = revision > this.startRevision;
    if (entry.operation !== 'PUT') {
      this.configs.delete(guildId);
      logger?.[madeWhileRunning && previous ? 'info' : 'debug'](
        { guildId, revision },
        'guild configuration removed',
      );
      return;
    }
    let parsed: z.ZodSafeParseResult<GuildConfig>;
    try {
      parsed = guildConfig.safeParse(JSON.parse(new TextDecoder().decode(entry.value)));
    } catch {
      logger?.warn({ guildId, revision }, 'guild configuration is not JSON; keeping the previous one');
      return;
    }
    if (!parsed.success || parsed.data.guildId !== guildId) {
      const problem = parsed.success
        ? `guildId ${parsed.data.guildId} does not match its key`
        : z.prettifyError(parsed.error);
      logger?.warn({ guildId, revision, problem }, 'invalid guild configuration; keeping the previous one');
      return;
    }
    this.configs.set(guildId, parsed.data);
    const changed = madeWhileRunning && !isDeepStrictEqual(previous, parsed.data);
    logger?.[changed ? 'info' : 'debug'](
      { guildId, tenantId: parsed.data.tenantId, revision },
      changed ? 'guild configuration changed' : 'guild configuration loaded',
    );
  }
}

/**
 * The store as a service's Nest provider: opened (the snapshot loaded) before the service
 * starts handling messages, closed when it shuts down.
 */
export const guildConfigStoreProvider: FactoryProvider<Promise<GuildConfigStore>> = {
  provide: GuildConfigStore,
  inject: [Bus, CONFIG, LOGGER],
  useFactory: (bus: Bus, config: { STEWARD_LOCAL_TENANT_ID?: string }, logger: Logger) =>
    GuildConfigStore.open(bus, { localTenantId: config.STEWARD_LOCAL_TENANT_ID, logger }),
};
