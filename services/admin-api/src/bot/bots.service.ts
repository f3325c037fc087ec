import { HttpStatus, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from '@steward/db';
import { CONFIG, LOGGER } from '@steward/runtime';
import { botTokenContext, SecretBox } from '@steward/secrets';
import { Counter, metricsRegistry, type Logger } from '@steward/telemetry';
import { publicUrl, type AdminApiConfig } from '../config.js';
import { SECRET_BOX } from '../crypto/secret-box.provider.js';
import { ApiError } from '../http/api-error.js';
import { BotConfigPublisher } from './bot-config.publisher.js';
import { Bot } from './bot.entity.js';
import type { BotView, SaveBotBody } from './bot.schemas.js';
import { DiscordBotVerifier } from './discord-bot-verifier.js';

const botChanges = new Counter({
  name: 'steward_admin_bot_changes_total',
  help: 'Custom bot saves and removals by outcome',
  labelNames: ['action', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** Postgres unique_violation: another tenant already connected this application. */
const UNIQUE_VIOLATION = '23505';

/**
 * A tenant's own Discord bot: verified with Discord, stored with its token sealed, published to
 * KV `config-apps`. At start, tokens sealed with a previous master key are sealed again with the
 * current one, and the bucket is rebuilt from Postgres.
 */
@Injectable()
export class BotsService implements OnApplicationBootstrap {
  constructor(
    private readonly db: DataSource,
    private readonly publisher: BotConfigPublisher,
    private readonly verifier: DiscordBotVerifier,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox | null,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private get bots() {
    return this.db.getRepository(Bot);
  }

  async view(tenantId: string): Promise<BotView> {
    const bot = await this.bots.findOneBy({ tenantId });
    return {
      mode: bot ? 'custom' : 'platform',
      applicationId: bot?.applicationId ?? null,
      publicKey: bot?.publicKey ?? null,
      botUsername: bot?.botUsername ?? null,
      interactionsEndpointUrl: this.interactionsEndpointUrl(),
    };
  }

  async save(tenantId: string, input: SaveBotBody): Promise<BotView> {
    const secrets = this.requireSecrets();
    if (input.applicationId === this.config.DISCORD_APPLICATION_ID)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'platform_application',
        "This is Steward's own application; paste the application of your own bot",
      );
    let verified;
    try {
      verified = await this.verifier.verify(input);
    } catch (error) {
      botChanges.inc({ action: 'save', outcome: error instanceof ApiError ? error.code : 'error' });
      throw error;
    }
    const sealed = secrets.encrypt(input.token, botTokenContext(input.applicationId));
    const bot = this.bots.create({
      tenantId,
      applicationId: input.applicationId,
      publicKey: input.publicKey.toLowerCase(),
      botUserId: verified.botUserId,
      botUsername: verified.botUsername,
      tokenCiphertext: sealed.ciphertext,
      keyId: sealed.keyId,
    });
    try {
      // One transaction with the KV writes: when NATS refuses them, the bot on record stays.
      await this.db.transaction(async (manager) => {
        const previous = await this.lockedBot(manager, tenantId);
        const replaced =
          previous && previous.applicationId !== bot.applicationId ? previous.applicationId : undefined;
        await manager.getRepository(Bot).save(bot);
        // The new bot is on KV before the old one leaves it: the tenant is never without a bot.
        await this.publisher.publish(bot);
        if (replaced) {
          await this.publisher.remove(replaced).catch(async (error: unknown) => {
            await this.publisher.remove(bot.applicationId).catch(() => undefined);
            throw error;
          });
        }
      });
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        botChanges.inc({ action: 'save', outcome: 'conflict' });
        throw new ApiError(
          HttpStatus.CONFLICT,
          'conflict',
          `Application ${input.applicationId} is already connected to another Steward account`,
        );
      }
      throw error;
    }
    botChanges.inc({ action: 'save', outcome: 'saved' });
    this.logger.info({ tenantId, applicationId: bot.applicationId }, 'custom bot saved');
    return this.view(tenantId);
  }

  /** Back to the platform bot; false when the tenant had no custom bot. */
  async remove(tenantId: string): Promise<boolean> {
    const bot = await this.db.transaction(async (manager) => {
      const current = await this.lockedBot(manager, tenantId);
      if (!current) return null;
      // The row goes first, so a replica's start-up republish waits for this change (see
      // onApplicationBootstrap); off KV before the API answers, so no service runs it any more.
      await manager.getRepository(Bot).delete({ tenantId });
      await this.publisher.remove(current.applicationId);
      return current;
    });
    if (!bot) return false;
    botChanges.inc({ action: 'remove', outcome: 'removed' });
    this.logger.info({ tenantId, applicationId: bot.applicationId }, 'custom bot removed');
    return true;
  }

  /** The tenant's bot, with the tenant's bot changes held until the transaction ends (a first save has no row to lock). */
  private async lockedBot(manager: EntityManager, tenantId: string): Promise<Bot | null> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('admin.bots:' || $1))`, [tenantId]);
    return manager.getRepository(Bot).findOneBy({ tenantId });
  }

  async onApplicationBootstrap(): Promise<void> {
    const bots = await this.bots.find();
    if (!this.secrets) {
      if (bots.length > 0)
        this.logger.error(
          { bots: bots.length },
          'STEWARD_MASTER_KEY is not set: custom bots stay as they are in KV config-apps and cannot be changed',
        );
      return;
    }
    const reencrypted = await this.reencryptOldTokens(this.secrets, bots);
    const outcome = await this.db.transaction(async (manager) => {
      // Other replicas keep serving meanwhile (a rolling deploy). SHARE mode waits for a bot
      // change in flight (each writes its row before KV) and holds new ones back until this is
      // done: a bot removed or replaced meanwhile is not put back, nor a new one taken for stale.
      await manager.query('LOCK TABLE bots IN SHARE MODE');
      const current = await manager.getRepository(Bot).find();
      for (const bot of current) await this.publisher.publish(bot);
      const backed = new Set(current.map((bot) => bot.applicationId));
      const stale = (await this.publisher.publishedApplicationIds()).filter((id) => !backed.has(id));
      for (const applicationId of stale) await this.publisher.remove(applicationId);
      return { published: current.length, removed: stale.length };
    });
    this.logger.info({ ...outcome, reencrypted }, 'custom bots republished');
  }

  /**
   * Seals again, with the current master key, every token sealed with a previous one (after a
   * rotation). Updates `bots` in place; a token that does not open is logged and left alone.
   */
  private async reencryptOldTokens(secrets: SecretBox, bots: Bot[]): Promise<number> {
    let count = 0;
    for (const bot of bots) {
      if (bot.keyId === secrets.keyId) continue;
      try {
        const sealed = secrets.reencrypt(bot.tokenCiphertext, botTokenContext(bot.applicationId));
        // Compare-and-set on the old key id: another replica may be doing the same.
        await this.db.query(
          'UPDATE bots SET token_ciphertext = $1, key_id = $2, updated_at = now() WHERE tenant_id = $3 AND key_id = $4',
          [sealed.ciphertext, sealed.keyId, bot.tenantId, bot.keyId],
        );
        Object.assign(bot, (await this.bots.findOneBy({ tenantId: bot.tenantId })) ?? {});
        count++;
      } catch (error) {
        this.logger.error(
          {
            tenantId: bot.tenantId,
            applicationId: bot.applicationId,
            keyId: bot.keyId,
            err: (error as Error).message,
          },
          'cannot re-encrypt a custom bot token: is its master key in STEWARD_MASTER_KEY_PREVIOUS?',
        );
      }
    }
    return count;
  }

  private requireSecrets(): SecretBox {
    if (!this.secrets)
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'master_key_missing',
        'Custom bots need STEWARD_MASTER_KEY on the server to encrypt their tokens; ask your administrator to set it',
      );
    return this.secrets;
  }

  /**
   * Where Discord reaches the interactions service: its own public URL, else the dashboard's
   * (the Helm ingress routes /discord/webhook/ there), else the local interactions port.
   */
  private interactionsEndpointUrl(): string {
    const { STEWARD_INTERACTIONS_PUBLIC_URL: interactions, STEWARD_PUBLIC_URL: dashboard } = this.config;
    const base =
      interactions ??
      (dashboard ? publicUrl(this.config) : `http://localhost:${this.config.INTERACTIONS_PORT}`);
    return `${base.replace(/\/+$/, '')}/discord/webhook/`;
  }
}
