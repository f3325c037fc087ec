import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { PermissionOverwrite } from '../dispatch/discord-payloads.js';

/** A bot application the gateway connects, and the user id its bot acts as (learnt from READY). */
@Entity({ name: 'applications' })
export class ApplicationRow {
  @PrimaryColumn({ name: 'application_id', type: 'text' }) applicationId!: string;
  @Column({ name: 'bot_user_id', type: 'text' }) botUserId!: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'guilds' })
export class GuildRow {
  @PrimaryColumn({ name: 'guild_id', type: 'text' }) guildId!: string;
  /** The application whose gateway last described the guild. */
  @Column({ name: 'application_id', type: 'text' }) applicationId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'owner_id', type: 'text' }) ownerId!: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'channels' })
@Index('channels_guild', ['guildId'])
export class ChannelRow {
  @PrimaryColumn({ name: 'channel_id', type: 'text' }) channelId!: string;
  @Column({ name: 'guild_id', type: 'text' }) guildId!: string;
  @Column({ type: 'text' }) name!: string;
  /** Discord's ChannelType. */
  @Column({ type: 'integer' }) type!: number;
  @Column({ name: 'parent_id', type: 'text', nullable: true }) parentId!: string | null;
  @Column({ type: 'integer' }) position!: number;
  @Column({ name: 'permission_overwrites', type: 'jsonb' }) permissionOverwrites!: PermissionOverwrite[];
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'roles' })
@Index('roles_guild', ['guildId'])
export class RoleRow {
  @PrimaryColumn({ name: 'role_id', type: 'text' }) roleId!: string;
  @Column({ name: 'guild_id', type: 'text' }) guildId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'integer' }) position!: number;
  /** Permission bit set as Discord writes it (a decimal string: it exceeds 2^53). */
  @Column({ type: 'text' }) permissions!: string;
  @Column({ type: 'boolean' }) managed!: boolean;
  /** Set on a bot's managed role: the bot's user id (`tags.bot_id`). */
  @Column({ name: 'bot_id', type: 'text', nullable: true }) botId!: string | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** The roles a bot application's own member holds in a guild. */
@Entity({ name: 'bot_members' })
export class BotMemberRow {
  @PrimaryColumn({ name: 'guild_id', type: 'text' }) guildId!: string;
  @PrimaryColumn({ name: 'application_id', type: 'text' }) applicationId!: string;
  @Column({ name: 'user_id', type: 'text' }) userId!: string;
  @Column({ name: 'role_ids', type: 'text', array: true }) roleIds!: string[];
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export const directoryEntities = [ApplicationRow, GuildRow, ChannelRow, RoleRow, BotMemberRow];
