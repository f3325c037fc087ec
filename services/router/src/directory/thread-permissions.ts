import { Inject, Injectable } from '@nestjs/common';
import { BotPermissions } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { DirectoryStore } from './directory.store.js';

/** What the bot needs to open a thread on a member's message and answer in it. */
const OPEN_AND_ANSWER_IN_THREAD =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.SendMessagesInThreads;
/** A permission granted or taken away shows within a minute of the directory hearing of it. */
const KEEP_MS = 60_000;
/** A guild the directory has not seen, or could not read, is read again soon. */
const KEEP_UNKNOWN_MS = 5_000;
const MAX_GUILDS = 10_000;
const MAX_REFUSING_CHANNELS = 10_000;

/**
 * Whether the bot may answer in a thread of its own in a channel, from the guild directory (the
 * bot's permissions kept a minute per bot and guild). Where it may not, the answer goes in the
 * channel, and the conversation with it: a thread Discord refuses to open would leave the
 * conversation pointing at a thread that does not exist.
 */
@Injectable()
export class ThreadPermissions {
  /** Per bot and guild; null: the directory does not know the guild (or could not be read). */
  private readonly guilds = new Map<string, { permissions: BotPermissions | null; until: number }>();
  /** Channels last found refusing, so that the warning is written when that changes, not every minute. */
  private readonly refusing = new Set<string>();

  constructor(
    private readonly directory: DirectoryStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * True when the directory does not know the guild or cannot be read: the answer is then sent
   * for a thread, and egress posts it in the channel if Discord refuses to open one.
   */
  async mayOpenIn(
    applicationId: string,
    guildId: string,
    channelId: string,
    nowMs = Date.now(),
  ): Promise<boolean> {
    const permissions = await this.permissionsOf(applicationId, guildId, nowMs);
    if (!permissions) return true;
    const allowed = permissions.has(channelId, OPEN_AND_ANSWER_IN_THREAD);
    const key = `${applicationId}:${channelId}`;
    if (allowed === this.refusing.has(key)) {
      if (allowed) {
        this.refusing.delete(key);
        this.logger.info(
          { applicationId, guildId, channelId },
          'the bot may open threads here again: answering in threads',
        );
      } else {
        if (this.refusing.size >= MAX_REFUSING_CHANNELS)
          this.refusing.delete(this.refusing.values().next().value!);
        this.refusing.add(key);
        this.logger.warn(
          { applicationId, guildId, channelId },
          'the bot may not open threads here (it needs View Channel, Create Public Threads and Send Messages in Threads): answering in the channel',
        );
      }
    }
    return allowed;
  }

  private async permissionsOf(
    applicationId: string,
    guildId: string,
    nowMs: number,
  ): Promise<BotPermissions | null> {
    const key = `${applicationId}:${guildId}`;
    const cached = this.guilds.get(key);
    if (cached && cached.until > nowMs) return cached.permissions;
    let permissions: BotPermissions | null = null;
    try {
      const view = await this.directory.guildView(guildId, applicationId);
      permissions = view ? new BotPermissions(view) : null;
    } catch (error) {
      // Only where the answer goes depends on it: the member still gets one.
      this.logger.warn(
        { err: error, guildId },
        'could not read the guild directory; asking for an answer in a thread',
      );
    }
    this.guilds.delete(key);
    if (this.guilds.size >= MAX_GUILDS) this.guilds.delete(this.guilds.keys().next().value!);
    this.guilds.set(key, { permissions, until: nowMs + (permissions ? KEEP_MS : KEEP_UNKNOWN_MS) });
    return permissions;
  }
}
