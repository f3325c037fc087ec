/**
 * The guild directory in schema `router`. Every write is an upsert or a delete by id, so a
 * redelivered event leaves the same state behind.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from '@steward/db';
import { ChannelType } from 'discord-api-types/v10';
import type { DiscordChannel, DiscordRole } from '../dispatch/discord-payloads.js';
import {
  isThreadChannel,
  THREAD_CHANNEL_TYPES,
  type ChannelPlaceView,
  type ChannelView,
  type GuildDirectoryReply,
  type RoleView,
} from '@steward/contracts';
import { ChannelMessageRow } from '../history/channel-message.entity.js';
import { ApplicationRow, BotMemberRow, ChannelRow, GuildRow, RoleRow } from './directory.entities.js';

export interface GuildFacts {
  id: string;
  name: string;
  ownerId: string;
}

export interface GuildSnapshot {
  guild: GuildFacts;
  /** The guild's channels and its active threads (kept as channels with their parent's id). */
  channels: DiscordChannel[];
  roles: DiscordRole[];
  /** The bot's own member, when the bot user is known and GUILD_CREATE listed it. */
  botMember?: { userId: string; roleIds: string[] };
}

/** Channels a bot can post in, preferred when several channels share a name. */
const TEXT_CHANNEL_TYPES: readonly number[] = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

@Injectable()
export class DirectoryStore {
  constructor(private readonly db: DataSource) {}

  async recordApplication(applicationId: string, botUserId: string): Promise<void> {
    await this.db
      .getRepository(ApplicationRow)
      .upsert({ applicationId, botUserId, updatedAt: new Date() }, ['applicationId']);
  }

  async botUserId(applicationId: string): Promise<string | undefined> {
    const row = await this.db.getRepository(ApplicationRow).findOneBy({ applicationId });
    return row?.botUserId;
  }

  /** GUILD_CREATE: the guild as it is now; channels and roles it no longer has are removed. */
  async replaceGuild(applicationId: string, snapshot: GuildSnapshot): Promise<void> {
    const guildId = snapshot.guild.id;
    await this.db.transaction(async (manager) => {
      await this.upsertGuildRow(manager, applicationId, snapshot.guild);
      await this.upsertChannelRows(manager, guildId, snapshot.channels);
      await manager.query('DELETE FROM channels WHERE guild_id = $1 AND channel_id <> ALL($2::text[])', [
        guildId,
        snapshot.channels.map((channel) => channel.id),
      ]);
      await this.upsertRoleRows(manager, guildId, snapshot.roles);
      await manager.query('DELETE FROM roles WHERE guild_id = $1 AND role_id <> ALL($2::text[])', [
        guildId,
        snapshot.roles.map((role) => role.id),
      ]);
      if (snapshot.botMember) {
        await this.upsertBotMember(
          manager,
          guildId,
          applicationId,
          snapshot.botMember.userId,
          snapshot.botMember.roleIds,
        );
      }
    });
  }

  async updateGuild(applicationId: string, guild: GuildFacts): Promise<void> {
    await this.upsertGuildRow(this.db.manager, applicationId, guild);
  }

  /**
   * The application's bot left the guild (or was removed). The guild's data goes once no
   * other Steward bot is in it.
   */
  async removeBotFromGuild(applicationId: string, guildId: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.delete(BotMemberRow, { guildId, applicationId });
      const otherBots = await manager.countBy(BotMemberRow, { guildId });
      if (otherBots > 0) return;
      await manager.delete(ChannelRow, { guildId });
      await manager.delete(RoleRow, { guildId });
      await manager.delete(GuildRow, { guildId });
      // What members said there goes with the guild.
      await manager.delete(ChannelMessageRow, { guildId });
    });
  }

  async upsertChannel(guildId: string, channel: DiscordChannel): Promise<void> {
    await this.upsertChannels(guildId, [channel]);
  }

  async upsertChannels(guildId: string, channels: DiscordChannel[]): Promise<void> {
    await this.upsertChannelRows(this.db.manager, guildId, channels);
  }

  async deleteChannel(channelId: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.delete(ChannelRow, { channelId });
      await manager.delete(ChannelMessageRow, { channelId });
    });
  }

  async upsertRole(guildId: string, role: DiscordRole): Promise<void> {
    await this.upsertRoleRows(this.db.manager, guildId, [role]);
  }

  async deleteRole(guildId: string, roleId: string): Promise<void> {
    await this.db.getRepository(RoleRow).delete({ guildId, roleId });
  }

  async setBotRoles(
    guildId: string,
    applicationId: string,
    userId: string,
    roleIds: string[],
  ): Promise<void> {
    await this.upsertBotMember(this.db.manager, guildId, applicationId, userId, roleIds);
  }

  /** Roles managed by the bot user in the guild (the role its integration created). */
  async managedRoleIds(guildId: string, botUserId: string): Promise<string[]> {
    const rows = await this.db
      .getRepository(RoleRow)
      .find({ select: { roleId: true }, where: { guildId, botId: botUserId } });
    return rows.map((row) => row.roleId);
  }

  async guildView(guildId: string, applicationId?: string): Promise<GuildDirectoryReply | null> {
    const guild = await this.db.getRepository(GuildRow).findOneBy({ guildId });
    if (!guild) return null;
    const botApplicationId = applicationId ?? guild.applicationId;
    const [channels, roles, botMember, botUserId] = await Promise.all([
      this.db
        .getRepository(ChannelRow)
        .find({ where: { guildId }, order: { position: 'ASC', channelId: 'ASC' } }),
      this.db.getRepository(RoleRow).find({ where: { guildId }, order: { position: 'DESC', roleId: 'ASC' } }),
      this.db.getRepository(BotMemberRow).findOneBy({ guildId, applicationId: botApplicationId }),
      this.botUserId(botApplicationId),
    ]);
    // Without the bot's member (GUILD_CREATE not seen yet), its managed role still ranks it.
    const botRoleIds =
      botMember?.roleIds ??
      roles.filter((role) => botUserId !== undefined && role.botId === botUserId).map((role) => role.roleId);
    const positions = roles.filter((role) => botRoleIds.includes(role.roleId)).map((role) => role.position);
    return {
      guild: {
        id: guild.guildId,
        name: guild.name,
        ownerId: guild.ownerId,
        applicationId: guild.applicationId,
      },
      channels: channels.map(channelView),
      roles: roles.map(roleView),
      botRoleIds,
      ...(botUserId !== undefined ? { botUserId } : {}),
      botTopRolePosition: Math.max(0, ...positions),
      ownerId: guild.ownerId,
    };
  }

  /** Whether the channel is a thread, and what it sits in; undefined for a channel not in the directory. */
  async channelPlace(channelId: string): Promise<ChannelPlaceView | undefined> {
    const rows = (await this.db.query(
      `SELECT c.type, c.parent_id AS parent, p.parent_id AS grandparent
         FROM channels c LEFT JOIN channels p ON p.channel_id = c.parent_id
        WHERE c.channel_id = $1`,
      [channelId],
    )) as { type: number; parent: string | null; grandparent: string | null }[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      isThread: isThreadChannel(row.type),
      parentIds: [row.parent, row.grandparent].filter((id): id is string => id !== null),
    };
  }

  async channelByName(guildId: string, name: string): Promise<ChannelView | null> {
    const wanted = name.replace(/^#/, '').trim().toLowerCase();
    const rows = await this.db
      .getRepository(ChannelRow)
      .createQueryBuilder('channel')
      .where('channel.guild_id = :guildId AND lower(channel.name) = :wanted', { guildId, wanted })
      // A name names a channel: a thread called the same must not stand in for it.
      .andWhere('channel.type NOT IN (:...threadTypes)', { threadTypes: THREAD_CHANNEL_TYPES })
      .getMany();
    const rank = (row: ChannelRow) => (TEXT_CHANNEL_TYPES.includes(row.type) ? 0 : 1);
    rows.sort(
      (a, b) => rank(a) - rank(b) || a.position - b.position || a.channelId.localeCompare(b.channelId),
    );
    return rows[0] ? channelView(rows[0]) : null;
  }

  private async upsertGuildRow(
    manager: EntityManager,
    applicationId: string,
    guild: GuildFacts,
  ): Promise<void> {
    await manager.upsert(
      GuildRow,
      { guildId: guild.id, applicationId, name: guild.name, ownerId: guild.ownerId, updatedAt: new Date() },
      ['guildId'],
    );
  }

  private async upsertChannelRows(
    manager: EntityManager,
    guildId: string,
    channels: DiscordChannel[],
  ): Promise<void> {
    if (channels.length === 0) return;
    const updatedAt = new Date();
    await manager.upsert(
      ChannelRow,
      channels.map((channel) => ({
        channelId: channel.id,
        guildId,
        name: channel.name ?? '',
        type: channel.type,
        parentId: channel.parent_id ?? null,
        position: channel.position ?? 0,
        permissionOverwrites: channel.permission_overwrites ?? [],
        updatedAt,
      })),
      ['channelId'],
    );
  }

  private async upsertRoleRows(manager: EntityManager, guildId: string, roles: DiscordRole[]): Promise<void> {
    if (roles.length === 0) return;
    const updatedAt = new Date();
    await manager.upsert(
      RoleRow,
      roles.map((role) => ({
        roleId: role.id,
        guildId,
        name: role.name,
        position: role.position,
        permissions: role.permissions,
        managed: role.managed,
        botId: role.tags?.bot_id ?? null,
        updatedAt,
      })),
      ['roleId'],
    );
  }

  private async upsertBotMember(
    manager: EntityManager,
    guildId: string,
    applicationId: string,
    userId: string,
    roleIds: string[],
  ): Promise<void> {
    await manager.upsert(BotMemberRow, { guildId, applicationId, userId, roleIds, updatedAt: new Date() }, [
      'guildId',
      'applicationId',
    ]);
  }
}

function channelView(row: ChannelRow): ChannelView {
  return {
    id: row.channelId,
    name: row.name,
    type: row.type,
    parentId: row.parentId,
    position: row.position,
    permissionOverwrites: row.permissionOverwrites,
  };
}

function roleView(row: RoleRow): RoleView {
  return {
    id: row.roleId,
    name: row.name,
    position: row.position,
    permissions: row.permissions,
    managed: row.managed,
    botId: row.botId,
  };
}
