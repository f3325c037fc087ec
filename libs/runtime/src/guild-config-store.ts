import { Buckets, DEFAULT_GUILD_SETTINGS, guildConfig, type GuildConfig } from '@steward/contracts';
import { mirrorKv, type Bus } from '@steward/bus';
import type { Logger } from '@steward/telemetry';

export interface GuildConfigStoreOptions {
  /** Local mode: this tenant owns every guild that has no configuration of its own. */
  localTenantId?: string;
  logger?: Pick<Logger, 'warn' | 'debug'>;
}

/**
 * The services' read-only view of KV `config-guilds`: a snapshot loaded at start and kept up
 * to date by a watcher, so a lookup on the hot path is a map read. Entries that do not parse
 * are skipped with a warning (admin-api validates before publishing; this is the last guard).
 */
export class GuildConfigStore {
  private readonly configs = new Map<string, GuildConfig>();
  private stopWatching?: () => void;

  private constructor(private readonly options: GuildConfigStoreOptions) {}

  static async open(bus: Bus, options: GuildConfigStoreOptions = {}): Promise<GuildConfigStore> {
    const store = new GuildConfigStore(options);
    const kv = await bus.kv(Buckets.configGuilds.name);
    store.stopWatching = await mirrorKv(kv, (entry) => store.apply(entry.key, entry.operation, entry.value));
    return store;
  }

  /** The guild's configuration; in local mode an unconfigured guild belongs to the local tenant. */
  get(guildId: string, applicationId?: string): GuildConfig | undefined {
    const known = this.configs.get(guildId);
    if (known) return known;
    if (!this.options.localTenantId || !applicationId) return undefined;
    return { guildId, tenantId: this.options.localTenantId, applicationId, plan: 'pro', settings: DEFAULT_GUILD_SETTINGS };
  }

  close(): void {
    this.stopWatching?.();
  }

  private apply(key: string, operation: string, value: Uint8Array): void {
    if (operation !== 'PUT') {
      this.configs.delete(key);
      return;
    }
    try {
      const parsed = guildConfig.parse(JSON.parse(new TextDecoder().decode(value)));
      this.configs.set(key, parsed);
    } catch (error) {
      this.options.logger?.warn({ guildId: key, err: (error as Error).message }, 'ignoring invalid guild configuration');
    }
  }
}
