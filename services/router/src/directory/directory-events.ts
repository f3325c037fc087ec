/** Applies the gateway's guild, channel, thread, role and member dispatches to the guild directory. */
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import {
  channel,
  guildCreateDispatch,
  guildDeleteDispatch,
  guildUpdateDispatch,
  memberUpdateDispatch,
  parseDispatch,
  readyDispatch,
  roleDeleteDispatch,
  roleModifyDispatch,
  threadDeleteDispatch,
  threadListSyncDispatch,
} from '../dispatch/discord-payloads.js';
import { BotIdentities } from './bot-identities.js';
import { DirectoryStore } from './directory.store.js';

/** The dispatch types that change the directory. */
export const DIRECTORY_EVENT_TYPES = [
  'READY',
  'GUILD_CREATE',
  'GUILD_UPDATE',
  'GUILD_DELETE',
  'CHANNEL_CREATE',
  'CHANNEL_UPDATE',
  'CHANNEL_DELETE',
  'THREAD_CREATE',
  'THREAD_UPDATE',
  'THREAD_DELETE',
  'THREAD_LIST_SYNC',
  'GUILD_ROLE_CREATE',
  'GUILD_ROLE_UPDATE',
  'GUILD_ROLE_DELETE',
  'GUILD_MEMBER_UPDATE',
] as const;
export type DirectoryEventType = (typeof DIRECTORY_EVENT_TYPES)[number];

export function isDirectoryEvent(type: string): type is DirectoryEventType {
  return (DIRECTORY_EVENT_TYPES as readonly string[]).includes(type);
}

@Injectable()
export class DirectoryEvents {
  constructor(
    private readonly store: DirectoryStore,
    private readonly bots: BotIdentities,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Applies one dispatch; throws MalformedDispatchError when it lacks what the directory needs. */
  async apply(type: DirectoryEventType, applicationId: string, data: unknown): Promise<void> {
    switch (type) {
      case 'READY':
        return this.onReady(applicationId, data);
      case 'GUILD_CREATE':
        return this.onGuildCreate(applicationId, data);
      case 'GUILD_UPDATE': {
        const guild = parseDispatch(guildUpdateDispatch, data, type);
        return this.store.updateGuild(applicationId, {
          id: guild.id,
          name: guild.name,
          ownerId: guild.owner_id,
        });
      }
      case 'GUILD_DELETE': {
        const guild = parseDispatch(guildDeleteDispatch, data, type);
        // `unavailable` is an outage: the guild comes back with a GUILD_CREATE; keep what we know.
        if (guild.unavailable) return;
        this.bots.forgetGuild(guild.id);
        return this.store.removeBotFromGuild(applicationId, guild.id);
      }
      // Threads are kept as channels with their parent's id: moderation exempts a thread of an
      // exempt channel, and a thread has its parent's permission overwrites. THREAD_CREATE and
      // THREAD_UPDATE carry the thread as a channel object.
      case 'CHANNEL_CREATE':
      case 'CHANNEL_UPDATE':
      case 'CHANNEL_DELETE':
      case 'THREAD_CREATE':
      case 'THREAD_UPDATE': {
        const changed = parseDispatch(channel, data, type);
        if (!changed.guild_id) return; // a DM channel: not part of any guild
        if (type === 'CHANNEL_DELETE') return this.store.deleteChannel(changed.id);
        return this.store.upsertChannel(changed.guild_id, changed);
      }
      case 'THREAD_DELETE':
        return this.store.deleteChannel(parseDispatch(threadDeleteDispatch, data, type).id);
      case 'THREAD_LIST_SYNC': {
        // Threads the list leaves out are archived or out of sight; their parent is unchanged,
        // so they stay until THREAD_DELETE or the next GUILD_CREATE.
        const { guild_id, threads } = parseDispatch(threadListSyncDispatch, data, type);
        return this.store.upsertChannels(guild_id, threads);
      }
      case 'GUILD_ROLE_CREATE':
      case 'GUILD_ROLE_UPDATE': {
        const { guild_id, role } = parseDispatch(roleModifyDispatch, data, type);
        await this.store.upsertRole(guild_id, role);
        return this.bots.forgetGuild(guild_id);
      }
      case 'GUILD_ROLE_DELETE': {
        const { guild_id, role_id } = parseDispatch(roleDeleteDispatch, data, type);
        await this.store.deleteRole(guild_id, role_id);
        return this.bots.forgetGuild(guild_id);
      }
      case 'GUILD_MEMBER_UPDATE':
        return this.onMemberUpdate(applicationId, data);
    }
  }

  private async onReady(applicationId: string, data: unknown): Promise<void> {
    const ready = parseDispatch(readyDispatch, data, 'READY');
    if (ready.application.id !== applicationId) {
      this.logger.warn(
        { subjectApplicationId: applicationId, readyApplicationId: ready.application.id },
        'READY names another application than its subject; trusting READY',
      );
    }
    await this.store.recordApplication(ready.application.id, ready.user.id);
    this.bots.learnBotUser(ready.application.id, ready.user.id);
    this.logger.debug({ applicationId: ready.application.id, botUserId: ready.user.id }, 'bot user learnt');
  }

  private async onGuildCreate(applicationId: string, data: unknown): Promise<void> {
    const guild = parseDispatch(guildCreateDispatch, data, 'GUILD_CREATE');
    if (guild.unavailable) return;
    const botUserId = await this.bots.botUserId(applicationId);
    const botMember = guild.members.find((member) => member.user.id === botUserId);
    await this.store.replaceGuild(applicationId, {
      guild: { id: guild.id, name: guild.name, ownerId: guild.owner_id },
      // The active threads; archived ones come back with THREAD_UPDATE when they are reopened.
      channels: [...guild.channels, ...guild.threads],
      roles: guild.roles,
      botMember: botMember ? { userId: botUserId, roleIds: botMember.roles } : undefined,
    });
    this.bots.forgetGuild(guild.id);
    this.logger.debug(
      {
        applicationId,
        guildId: guild.id,
        channels: guild.channels.length,
        threads: guild.threads.length,
        roles: guild.roles.length,
      },
      'guild directory replaced',
    );
  }

  /** Only the bot's own member matters: its roles rank it in the hierarchy. */
  private async onMemberUpdate(applicationId: string, data: unknown): Promise<void> {
    const member = parseDispatch(memberUpdateDispatch, data, 'GUILD_MEMBER_UPDATE');
    const botUserId = await this.bots.botUserId(applicationId);
    if (member.user.id !== botUserId) return;
    await this.store.setBotRoles(member.guild_id, applicationId, botUserId, member.roles);
  }
}
