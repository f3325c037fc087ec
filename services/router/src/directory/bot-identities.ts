/**
 * Who the bot is in a guild, for every message decision: its user id (from READY) and its
 * managed roles. Kept in memory so a message costs no database round trip; a replica that
 * did not see a role change itself picks it up when the short-lived entry expires.
 */
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { BotIdentity } from '../decision/response-policy.js';
import { DirectoryStore } from './directory.store.js';

const MANAGED_ROLES_TTL_MS = 30_000;

@Injectable()
export class BotIdentities {
  /** Application id → bot user id. A bot's user id never changes. */
  private readonly botUsers = new Map<string, string>();
  private readonly managedRoles = new Map<string, { roleIds: string[]; expiresAt: number }>();
  private readonly warnedFallback = new Set<string>();

  constructor(
    private readonly store: DirectoryStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async resolve(applicationId: string, guildId: string): Promise<BotIdentity> {
    const userId = await this.botUserId(applicationId);
    return { userId, managedRoleIds: await this.managedRoleIds(guildId, userId) };
  }

  /**
   * The bot user of an application. Until READY has been seen (a router deployed while the
   * gateway resumes old sessions), the application id stands in: Discord gives the bots of
   * current applications the application's id.
   */
  async botUserId(applicationId: string): Promise<string> {
    const known = this.botUsers.get(applicationId) ?? (await this.store.botUserId(applicationId));
    if (known) {
      this.botUsers.set(applicationId, known);
      return known;
    }
    if (!this.warnedFallback.has(applicationId)) {
      this.warnedFallback.add(applicationId);
      this.logger.info(
        { applicationId },
        'bot user not learnt from READY yet; assuming it has the application id',
      );
    }
    return applicationId;
  }

  learnBotUser(applicationId: string, botUserId: string): void {
    this.botUsers.set(applicationId, botUserId);
  }

  /** Drops what is cached about a guild's roles after this replica changed them. */
  forgetGuild(guildId: string): void {
    for (const key of this.managedRoles.keys())
      if (key.startsWith(`${guildId}:`)) this.managedRoles.delete(key);
  }

  private async managedRoleIds(guildId: string, botUserId: string): Promise<string[]> {
    const key = `${guildId}:${botUserId}`;
    const cached = this.managedRoles.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.roleIds;
    const roleIds = await this.store.managedRoleIds(guildId, botUserId);
    this.managedRoles.set(key, { roleIds, expiresAt: Date.now() + MANAGED_ROLES_TTL_MS });
    return roleIds;
  }
}
