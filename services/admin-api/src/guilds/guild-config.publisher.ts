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

export interface ReconcileOutcome {
  published: number;
  removed: number;
  /**
   * The process began to stop before the republish was done, so it ended between two entries.
   * What it wrote or removed is right; the next start does the rest.
   */
  interrupted: boolean;
}

/**
 * Publishes guild configuration to KV `config-guilds` (key = guild id), the copy every other
 * service reads. Postgres is the truth: at start every linked guild is published again and
 * entries of guilds no longer linked are removed, so the bucket can always be rebuilt.
 */
@Injectable()
export class GuildConfigPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  /** Aborted when the module stops: a start-up republish of many guilds must not hold the stop up. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly bus: Bus,
    private readonly db: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs beside the start-up rather than in it: Fastify's plugins must finish loading meanwhile. */
  onApplicationBootstrap(): void {
    const started = Date.now();
    this.reconciled = this.reconcile(this.stopping.signal).then(
      (outcome) => {
        const context = { ...outcome, ms: Date.now() - started };
        if (outcome.interrupted) {
          this.logger.info(
            context,
            'guild configuration republish stopped with the service; the next start republishes every guild',
          );
        } else {
          this.logger.info(context, 'guild configuration republished');
        }
        return outcome;
      },
      (error: unknown) => {
        this.logger.error({ err: error }, 'republishing guild configuration failed');
        return undefined;
      },
    );
  }

  /** The start-up reconcile's outcome once it is done (undefined if it failed); tests and shutdown wait on it. */
  reconciled: Promise<ReconcileOutcome | undefined> = Promise.resolve(undefined);

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
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
   * is never older than what they did. When `signal` aborts, the run ends after the entry being
   * written; stale entries are only removed once every guild row has been seen.
   */
  async reconcile(signal?: AbortSignal): Promise<ReconcileOutcome> {
    let published = 0;
    let after = '';
    const interrupted = () => ({ published, removed: 0, interrupted: true });
    for (;;) {
      if (signal?.aborted) return interrupted();
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
        for (const row of rows) {
          if (signal?.aborted) break;
          if (await this.publishStored(row)) published++;
        }
        return rows;
      });
      if (batch.length < RECONCILE_BATCH) break;
      after = batch.at(-1)!.guildId;
    }
    if (signal?.aborted) return interrupted();
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
      let deleted = 0;
      for (const key of stale) {
        if (signal?.aborted) break;
        await kv.delete(key);
        deleted++;
      }
      return deleted;
    });
    return { published, removed, interrupted: signal?.aborted ?? false };
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
