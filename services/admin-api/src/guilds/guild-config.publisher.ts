import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { Buckets, guildConfig, type GuildConfig } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { Plan } from '../accounts/tenant.entity.js';
import type { Guild } from './guild.entity.js';

const BUCKET = Buckets.configGuilds.name;

/**
 * Publishes guild configuration to KV `config-guilds` (key = guild id), the copy every other
 * service reads. Postgres is the truth: at start every linked guild is published again and
 * entries of guilds no longer linked are removed, so the bucket can always be rebuilt.
 */
@Injectable()
export class GuildConfigPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly bus: Bus,
    private readonly db: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs beside the start-up rather than in it: Fastify's plugins must finish loading meanwhile. */
  onApplicationBootstrap(): void {
    const started = Date.now();
    this.reconciled = this.reconcile().then(
      (outcome) =>
        this.logger.info({ ...outcome, ms: Date.now() - started }, 'guild configuration republished'),
      (error: unknown) => this.logger.error({ err: error }, 'republishing guild configuration failed'),
    );
  }

  /** Settles once the start-up reconcile is done (tests and shutdown wait on it). */
  reconciled: Promise<void> = Promise.resolve();

  async onModuleDestroy(): Promise<void> {
    await this.reconciled;
  }

  async publish(guild: Guild, plan: Plan): Promise<GuildConfig> {
    const config = guildConfig.parse(configInput(guild, plan));
    await this.bus.putJson(BUCKET, guild.guildId, config);
    return config;
  }

  async remove(guildId: string): Promise<void> {
    await (await this.bus.kv(BUCKET)).delete(guildId);
  }

  /** Republishes every linked guild and removes entries no guild row backs. */
  async reconcile(): Promise<{ published: number; removed: number }> {
    const rows: Array<Guild & { plan: Plan }> = (
      await this.db.query(
        `SELECT g.guild_id, g.tenant_id, g.application_id, g.settings, g.updated_at, t.plan
           FROM guilds g JOIN tenants t ON t.id = g.tenant_id ORDER BY g.guild_id`,
      )
    ).map((row: Record<string, unknown>) => ({
      guildId: row.guild_id,
      tenantId: row.tenant_id,
      applicationId: row.application_id,
      settings: row.settings,
      updatedAt: row.updated_at,
      plan: row.plan,
    }));
    // A guild whose stored settings no longer pass (saved before a limit existed) is left out,
    // not allowed to keep the others from their copy; a NATS failure still fails the run.
    let published = 0;
    for (const row of rows) {
      const config = guildConfig.safeParse(configInput(row, row.plan));
      if (!config.success) {
        this.logger.error(
          { guildId: row.guildId, problem: config.error.message },
          'a stored guild configuration is invalid: not published',
        );
        continue;
      }
      await this.bus.putJson(BUCKET, row.guildId, config.data);
      published++;
    }
    const linked = new Set(rows.map((row) => row.guildId));
    const kv = await this.bus.kv(BUCKET);
    const stale: string[] = [];
    for await (const key of await kv.keys()) if (!linked.has(key)) stale.push(key);
    for (const key of stale) await kv.delete(key);
    return { published, removed: stale.length };
  }
}

/** A guild row as its `config-guilds` entry, before validation. */
function configInput(guild: Guild, plan: Plan) {
  return {
    guildId: guild.guildId,
    tenantId: guild.tenantId,
    applicationId: guild.applicationId,
    plan,
    settings: guild.settings,
    updatedAt: guild.updatedAt.toISOString(),
  };
}
