import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The last messages of each channel where the bot reads everything (all-messages mode, or
 * channel context on), from everyone: kept from the MESSAGE_CREATE stream for the answer
 * prompt's channel context and for the staff step-back.
 */
@Entity({ name: 'channel_messages' })
export class ChannelMessageRow {
  @PrimaryColumn({ name: 'channel_id', type: 'text' }) channelId!: string;
  /** The snowflake as a number, so ids order by time. */
  @PrimaryColumn({ name: 'message_id', type: 'bigint' }) messageId!: string;
  @Column({ name: 'guild_id', type: 'text' }) guildId!: string;
  @Column({ name: 'author_id', type: 'text' }) authorId!: string;
  @Column({ name: 'author_name', type: 'text' }) authorName!: string;
  @Column({ name: 'author_is_bot', type: 'boolean' }) authorIsBot!: boolean;
  @Column({ name: 'author_role_ids', type: 'text', array: true }) authorRoleIds!: string[];
  @Column({ type: 'text' }) content!: string;
  @Column({ name: 'reply_to_author_id', type: 'text', nullable: true }) replyToAuthorId!: string | null;
  @Column({ name: 'mentioned_user_ids', type: 'text', array: true }) mentionedUserIds!: string[];
  @Column({ name: 'sent_at', type: 'timestamptz' }) sentAt!: Date;
}
