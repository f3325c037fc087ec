/**
 * The recent conversation of each channel where the bot reads every message, from everyone,
 * kept in Postgres from the MESSAGE_CREATE stream (never fetched from Discord per message). In
 * Postgres rather than memory so that every replica sees the messages the others consumed and
 * a restart loses nothing; bounded to the newest `ROUTER_CHANNEL_CONTEXT_SIZE` per channel.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { CONFIG } from '@steward/runtime';
import { MessageType } from 'discord-api-types/v10';
import type { RouterConfig } from '../config.js';
import type { RecentMessage } from '../decision/staff-step-back.js';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';

/** Longer messages are cut: the context is for understanding, not for quoting. */
const MAX_KEPT_CONTENT = 1_000;

/** What members and bots write; system notices (joins, pins) are not conversation. */
const CONVERSATION_TYPES: ReadonlySet<number> = new Set([
  MessageType.Default,
  MessageType.Reply,
  MessageType.ChatInputCommand,
]);

interface ChannelMessageRecord {
  message_id: string;
  author_id: string;
  author_name: string;
  author_is_bot: boolean;
  author_role_ids: string[];
  content: string;
  reply_to_author_id: string | null;
  mentioned_user_ids: string[];
  sent_at: Date;
}

/** The name a member is shown under in the guild. */
export function displayName(message: DiscordMessage): string {
  return message.member?.nick || message.author.global_name || message.author.username;
}

@Injectable()
export class ChannelHistory {
  private readonly size: number;

  constructor(
    private readonly db: DataSource,
    @Inject(CONFIG) config: RouterConfig,
  ) {
    this.size = config.ROUTER_CHANNEL_CONTEXT_SIZE;
  }

  /**
   * Keeps `message` (idempotent: a redelivered message is kept once) and forgets the channel's
   * messages beyond the newest `size`.
   */
  async record(guildId: string, message: DiscordMessage): Promise<void> {
    const content = message.content.trim();
    if (!CONVERSATION_TYPES.has(message.type) || !content) return;
    await this.db.query(
      `INSERT INTO channel_messages (channel_id, message_id, guild_id, author_id, author_name, author_is_bot,
         author_role_ids, content, reply_to_author_id, mentioned_user_ids, sent_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (channel_id, message_id) DO NOTHING`,
      [
        message.channel_id,
        message.id,
        guildId,
        message.author.id,
        displayName(message),
        Boolean(message.author.bot || message.webhook_id),
        message.member?.roles ?? [],
        content.slice(0, MAX_KEPT_CONTENT),
        message.referenced_message?.author.id ?? null,
        message.mentions.map((user) => user.id),
        new Date(message.timestamp),
      ],
    );
    await this.db.query(
      `DELETE FROM channel_messages WHERE channel_id = $1 AND message_id < (
         SELECT message_id FROM channel_messages WHERE channel_id = $1
         ORDER BY message_id DESC OFFSET $2 LIMIT 1)`,
      [message.channel_id, this.size - 1],
    );
  }

  /** The channel's newest messages written before `message`, oldest first. */
  async before(message: DiscordMessage): Promise<RecentMessage[]> {
    const rows: ChannelMessageRecord[] = await this.db.query(
      `SELECT message_id::text, author_id, author_name, author_is_bot, author_role_ids, content,
              reply_to_author_id, mentioned_user_ids, sent_at
         FROM channel_messages
        WHERE channel_id = $1 AND message_id < $2
        ORDER BY message_id DESC
        LIMIT $3`,
      [message.channel_id, message.id, this.size],
    );
    return rows.reverse().map((row) => ({
      messageId: row.message_id,
      authorId: row.author_id,
      authorName: row.author_name,
      authorIsBot: row.author_is_bot,
      authorRoleIds: row.author_role_ids,
      content: row.content,
      replyToAuthorId: row.reply_to_author_id,
      mentionedUserIds: row.mentioned_user_ids,
      sentAtMs: row.sent_at.getTime(),
    }));
  }
}
