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
/** A permission granted or taken away shows within a minute. */
const KEEP_MS = 60_000;
const MAX_CHANNELS = 10_000;

/**
 * Whether the bot may answer in a thread of its own in a channel, from the guild directory, kept
 * a minute per bot and channel. Where it may not, the answer goes in the channel, and the
 * conversation with it: a thread Discord refuses to open would leave the conversation pointing at
 * a thread that does not exist.
 */
@Injectable()
export class ThreadPermissions {
  private readonly known = new Map<string, { allowed: boolean; until: number }>();

  constructor(
    private readonly directory: DirectoryStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * True while the directory has not seen the guild: the answer is sent for a thread, and egress
   * posts it in the channel if Discord refuses to open one.
   */
  async mayOpenIn(
    applicationId: string,
    guildId: string,
    channelId: string,
    nowMs = Date.now(),
  ): Promise<boolean> {
    const key = `${applicationId}:${channelId}`;
    const cached = this.known.get(key);
    if (cached && cached.until > nowMs) return cached.allowed;
    const view = await this.directory.guildView(guildId, applicationId);
    const allowed = !view || new BotPermissions(view).has(channelId, OPEN_AND_ANSWER_IN_THREAD);
    if (!allowed) {
      this.logger.warn(
        { guildId, channelId },
        'the bot may not open threads here (it needs View Channel, Create Public Threads and Send Messages in Threads): answering in the channel',
      );
    }
    this.known.delete(key);
    if (this.known.size >= MAX_CHANNELS) this.known.delete(this.known.keys().next().value!);
    this.known.set(key, { allowed, until: nowMs + KEEP_MS });
    return allowed;
  }
}
