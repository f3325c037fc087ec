import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { Buckets, guildConfig, type GuildConfig } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { Plan } from '../accounts/tenant.entity.js';
import type { Guild } from './guild.entity.js';

const BUCKET = Buckets.configGuilds.name;
/** Guild rows read, locked and republished per transaction at start. */
const RECONCILE_BATCH = 500;

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

  /**
   * Republishes every linked guild and removes entries no guild row backs. Other replicas keep
   * serving meanwhile (a rolling deploy), so each step waits for the link, save or release in
   * flight and holds the next one back until it is done: what a start puts in KV, or takes out,
   * is never older than what they did.
   */
  async reconcile(): Promise<{ published: number; removed: number }> {
    let published = 0;
    let after = '';
    for (;;) {
      const batch = await this.db.transaction(async (manager) => {
        // FOR SHARE: a row a save or release holds is read once it commits, and stays as read
        // until these entries are in KV.
        const rows: Array<Guild & { plan: Plan }> = (
          await manager.query(
            `SELECT g.guild_id, g.tenant_id, g.application_id, g.settings, g.updated_at, t.plan
               FROM guilds g JOIN tenants t ON t.id = g.tenant_id
              WHERE g.guild_id > $1 ORDER BY g.guild_id LIMIT $2
                FOR SHARE OF g`,
            [after, RECONCILE_BATCH],
          )
        ).map((row: Record<string, unknown>) => ({
          guildId: row.guild_id,
          tenantId: row.tenant_id,
          applicationId: row.application_id,
          settings: row.settings,
          updatedAt: row.updated_at,
          plan: row.plan,
        }));
        for (const row of rows) if (await this.publishStored(row)) published++;
        return rows;
      });
      if (batch.length < RECONCILE_BATCH) break;
      after = batch.at(-1)!.guildId;
    }
    const removed = await this.db.transaction(async (manager) => {
      // SHARE mode waits for every write in flight and holds new ones for the moment this takes:
      // a guild linked meanwhile is seen here, not taken for stale.
      await manager.query('LOCK TABLE guilds IN SHARE MODE');
      const linked = new Set(
        ((await manager.query('SELECT guild_id FROM guilds')) as Array<{ guild_id: string }>).map(
          (row) => row.guild_id,
        ),
      );
      const kv = await this.bus.kv(BUCKET);
      const stale: string[] = [];
      for await (const key of await kv.keys()) if (!linked.has(key)) stale.push(key);
      for (const key of stale) await kv.delete(key);
      return stale.length;
    });
    return { published, removed };
  }

  /**
   * A guild whose stored settings no longer pass (saved before a limit existed) is left out,
   * not allowed to keep the others from their copy; a NATS failure still fails the run.
   */
  private async publishStored(row: Guild & { plan: Plan }): Promise<boolean> {
    const config = guildConfig.safeParse(configInput(row, row.plan));
    if (!config.success) {
      this.logger.error(
        { guildId: row.guildId, problem: config.error.message },
        'a stored guild configuration is invalid: not published',
      );
      return false;
    }
    await this.bus.putJson(BUCKET, row.guildId, config.data);
    return true;
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
