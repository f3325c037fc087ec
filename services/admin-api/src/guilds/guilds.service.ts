import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DEFAULT_GUILD_SETTINGS, type GuildDirectoryReply, type GuildSettings } from '@steward/contracts';
import { DataSource, type EntityManager } from '@steward/db';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { Tenant, type Plan } from '../accounts/tenant.entity.js';
import type { AdminApiConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { DirectoryClient } from './directory.client.js';
import { GuildConfigPublisher } from './guild-config.publisher.js';
import { Guild } from './guild.entity.js';
import { mergePatch, validateSettings, type KnownGuildParts } from './settings-validation.js';

export interface GuildToLink {
  tenantId: string;
  guildId: string;
  applicationId: string;
  name: string;
  icon: string | null;
}

export type LinkOutcome =
  | { outcome: 'linked' | 'relinked'; guild: Guild }
  /** Another tenant holds the guild; it must release it first. */
  | { outcome: 'taken' };

/**
 * Guilds linked to tenants and their settings. Every write goes to Postgres and, in the same
 * transaction, its configuration to KV; every read is scoped to the caller's tenant (another tenant's guild
 * is "not found").
 */
@Injectable()
export class GuildsService {
  constructor(
    private readonly db: DataSource,
    private readonly publisher: GuildConfigPublisher,
    private readonly directory: DirectoryClient,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  list(tenantId: string): Promise<Guild[]> {
    return this.db.getRepository(Guild).find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  async get(tenantId: string, guildId: string): Promise<Guild> {
    const guild = await this.db.getRepository(Guild).findOneBy({ guildId, tenantId });
    if (!guild) throw ApiError.notFound('Server');
    return guild;
  }

  /**
   * Read views filtered by guild: the tenant's own guilds, and in local mode also guilds no
   * one has linked (the local tenant serves those). Anything else is "not found".
   */
  async assertServes(tenantId: string, guildId: string): Promise<void> {
    const guild = await this.db.getRepository(Guild).findOneBy({ guildId });
    if (guild ? guild.tenantId === tenantId : this.isLocalTenant(tenantId)) return;
    throw ApiError.notFound('Server');
  }

  /** Links the guild to the tenant with default settings, or refreshes the tenant's own link. */
  async link(input: GuildToLink): Promise<LinkOutcome> {
    const plan = await this.planOf(input.tenantId);
    // One transaction with the KV write: when NATS refuses it, the link is not stored either.
    const outcome = await this.db.transaction(async (manager): Promise<LinkOutcome> => {
      const rows: Array<{ inserted: boolean }> = await manager.query(
        `INSERT INTO guilds (guild_id, tenant_id, application_id, name, icon, settings)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (guild_id) DO UPDATE
           SET application_id = EXCLUDED.application_id, name = EXCLUDED.name, icon = EXCLUDED.icon,
               updated_at = now()
           WHERE guilds.tenant_id = EXCLUDED.tenant_id
         RETURNING (xmax = 0) AS inserted`,
        [input.guildId, input.tenantId, input.applicationId, input.name, input.icon, DEFAULT_GUILD_SETTINGS],
      );
      if (!rows[0]) return { outcome: 'taken' };
      const guild = await manager.getRepository(Guild).findOneByOrFail({ guildId: input.guildId });
      await this.publisher.publish(guild, plan);
      return { outcome: rows[0].inserted ? 'linked' : 'relinked', guild };
    });
    if (outcome.outcome === 'taken') {
      this.logger.warn(
        { tenantId: input.tenantId, guildId: input.guildId },
        'guild is linked to another tenant',
      );
    }
    return outcome;
  }

  async replaceSettings(tenantId: string, guildId: string, body: unknown): Promise<GuildSettings> {
    const guild = await this.get(tenantId, guildId);
    const settings = validateSettings(body, knownParts(await this.directory.guild(guildId)));
    return this.saveSettings(guild, settings);
  }

  async patchSettings(tenantId: string, guildId: string, patch: unknown): Promise<GuildSettings> {
    const guild = await this.get(tenantId, guildId);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      throw ApiError.validation([{ field: 'request body', message: 'must be a JSON object' }]);
    const merged = mergePatch(guild.settings, patch);
    const settings = validateSettings(merged, knownParts(await this.directory.guild(guildId)));
    return this.saveSettings(guild, settings);
  }

  /**
   * Unlinks the guild: its configuration leaves KV first, so no service keeps serving it. The
   * row stays locked meanwhile, so a settings save cannot publish it again in between.
   */
  async release(tenantId: string, guildId: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      if (!(await lockedGuild(manager, tenantId, guildId))) throw ApiError.notFound('Server');
      await this.publisher.remove(guildId);
      await manager.getRepository(Guild).delete({ guildId, tenantId });
    });
    this.logger.info({ tenantId, guildId }, 'guild released');
  }

  /**
   * Stores the settings in place of the ones they were made from, for the tenant's own link
   * only: a release, another tenant's link or another save in between is not overwritten (409,
   * or 404 once the link is gone). One transaction with the KV write: when NATS refuses it,
   * nothing changes.
   */
  private async saveSettings(guild: Guild, settings: GuildSettings): Promise<GuildSettings> {
    const plan = await this.planOf(guild.tenantId);
    let saved: boolean;
    try {
      saved = await this.db.transaction(async (manager) => {
        const [rows] = (await manager.query(
          `UPDATE guilds SET settings = $3, updated_at = now()
            WHERE guild_id = $1 AND tenant_id = $2 AND settings = $4::jsonb
            RETURNING updated_at AS "updatedAt"`,
          [guild.guildId, guild.tenantId, JSON.stringify(settings), JSON.stringify(guild.settings)],
        )) as [Array<{ updatedAt: Date }>, number];
        if (rows.length === 0) return false;
        await this.publisher.publish({ ...guild, settings, updatedAt: rows[0]!.updatedAt }, plan);
        return true;
      });
    } catch (error) {
      // A write NATS stored without saying so would leave KV ahead of Postgres: put back what is stored.
      await this.republish(guild.tenantId, guild.guildId, plan);
      throw error;
    }
    if (!saved) {
      await this.get(guild.tenantId, guild.guildId);
      throw new ApiError(
        HttpStatus.CONFLICT,
        'conflict',
        "The server's settings changed while these were being saved; load them again and retry",
      );
    }
    return settings;
  }

  /** Read before a transaction that publishes: the transaction holds its own connection meanwhile. */
  private async planOf(tenantId: string): Promise<Plan> {
    return (await this.db.getRepository(Tenant).findOneByOrFail({ id: tenantId })).plan as Plan;
  }

  private async republish(tenantId: string, guildId: string, plan: Plan): Promise<void> {
    try {
      // Under the row's lock, as a save or a release writes it: neither can slip in between.
      await this.db.transaction(async (manager) => {
        const stored = await lockedGuild(manager, tenantId, guildId);
        if (stored) await this.publisher.publish(stored, plan);
      });
    } catch (error) {
      this.logger.warn({ err: error, guildId }, 'could not put the stored guild configuration back in KV');
    }
  }

  private isLocalTenant(tenantId: string): boolean {
    return Boolean(this.config.STEWARD_LOCAL) && this.config.STEWARD_LOCAL_TENANT_ID === tenantId;
  }
}

/** The tenant's link to the guild, locked until the transaction ends (a save's UPDATE waits for it). */
function lockedGuild(manager: EntityManager, tenantId: string, guildId: string): Promise<Guild | null> {
  return manager
    .getRepository(Guild)
    .findOne({ where: { guildId, tenantId }, lock: { mode: 'pessimistic_write' } });
}

export function knownParts(directory: GuildDirectoryReply | null): KnownGuildParts | null {
  if (!directory) return null;
  return {
    channelIds: new Set(directory.channels.map((channel) => channel.id)),
    roleIds: new Set(directory.roles.map((role) => role.id)),
  };
}
