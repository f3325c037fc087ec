import { describe, expect, it } from '@jest/globals';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import type { GuildDirectory } from '../directory/guild-directory.js';
import { BotCapabilities } from './bot-capabilities.js';

const GUILD = '900000000000000000';
const BOT_ROLE = '900000000000000001';
const MOD_ROLE = '900000000000000002';
const MEMBER_ROLE = '900000000000000003';
const BOT_USER = '900000000000000009';

function directory(botPermissions: bigint, overwrites: GuildDirectory['channels'][number]['permissionOverwrites'] = []): GuildDirectory {
  return {
    guild: { id: GUILD, name: 'g', ownerId: '1', applicationId: BOT_USER },
    ownerId: '1',
    channels: [{ id: 'c1', name: 'general', type: 0, parentId: null, position: 0, permissionOverwrites: overwrites }],
    roles: [
      { id: MOD_ROLE, name: 'Mods', position: 3, permissions: '0', managed: false, botId: null },
      { id: BOT_ROLE, name: 'Steward', position: 2, permissions: String(botPermissions), managed: true, botId: BOT_USER },
      { id: MEMBER_ROLE, name: 'Member', position: 1, permissions: '0', managed: false, botId: null },
      { id: GUILD, name: '@everyone', position: 0, permissions: String(P.ViewChannel | P.SendMessages), managed: false, botId: null },
    ],
    botRoleIds: [BOT_ROLE],
    botTopRolePosition: 2,
  };
}

const member = { channelId: 'c1', authorId: '5', memberRoleIds: [MEMBER_ROLE] };

describe('BotCapabilities', () => {
  it('allows what the bot’s roles grant, against members below it', () => {
    const bot = new BotCapabilities(directory(P.ManageMessages | P.ModerateMembers | P.KickMembers | P.BanMembers));
    for (const action of ['warn', 'delete', 'timeout', 'kick', 'ban'] as const) expect(bot.blockFor(action, member)).toBeUndefined();
  });

  it('names the missing permission', () => {
    const bot = new BotCapabilities(directory(P.ManageMessages | P.KickMembers));
    expect(bot.blockFor('ban', member)).toEqual({ blockReason: 'missing_permission', detail: 'missing Ban Members permission' });
    expect(bot.blockFor('timeout', member)?.detail).toBe('missing Moderate Members permission');
  });

  it('applies channel overwrites to message actions: role and member overwrites, in Discord’s order', () => {
    const denied = new BotCapabilities(directory(P.ManageMessages, [{ id: BOT_ROLE, type: 0, allow: '0', deny: String(P.ManageMessages) }]));
    expect(denied.blockFor('delete', member)?.detail).toBe('missing Manage Messages permission');
    const reallowed = new BotCapabilities(
      directory(P.ManageMessages, [
        { id: BOT_ROLE, type: 0, allow: '0', deny: String(P.ManageMessages) },
        { id: BOT_USER, type: 1, allow: String(P.ManageMessages), deny: '0' },
      ]),
    );
    expect(reallowed.blockFor('delete', member)).toBeUndefined();
  });

  it('lets ADMINISTRATOR bypass every permission and overwrite, not the hierarchy', () => {
    const admin = new BotCapabilities(directory(P.Administrator, [{ id: GUILD, type: 0, allow: '0', deny: String(P.ViewChannel) }]));
    expect(admin.blockFor('delete', member)).toBeUndefined();
    expect(admin.blockFor('ban', { ...member, memberRoleIds: [MOD_ROLE] })).toEqual({
      blockReason: 'hierarchy',
      detail: "bot role is below the member's top role",
    });
  });

  it('never acts on the owner or on a member level with its top role; deleting their messages stays possible', () => {
    const bot = new BotCapabilities(directory(P.ManageMessages | P.KickMembers));
    expect(bot.blockFor('kick', { ...member, authorId: '1' })?.blockReason).toBe('owner');
    expect(bot.blockFor('kick', { ...member, memberRoleIds: [BOT_ROLE] })?.blockReason).toBe('hierarchy');
    expect(bot.blockFor('delete', { ...member, memberRoleIds: [MOD_ROLE] })).toBeUndefined();
  });

  it('asks for Send Messages in Threads, not Send Messages, to warn in a thread', () => {
    const withThread = (overwrites: GuildDirectory['channels'][number]['permissionOverwrites']): GuildDirectory => {
      const base = directory(P.SendMessagesInThreads, overwrites);
      const thread = { id: 't1', name: 'a thread', type: 11, parentId: 'c1', position: 0, permissionOverwrites: [] };
      return { ...base, channels: [...base.channels, thread] };
    };
    const inThread = { ...member, channelId: 't1' };
    const noThreadReplies = new BotCapabilities(withThread([{ id: BOT_ROLE, type: 0, allow: '0', deny: String(P.SendMessagesInThreads) }]));
    expect(noThreadReplies.blockFor('warn', inThread)?.detail).toBe('missing Send Messages in Threads permission');
    expect(noThreadReplies.blockFor('warn', member)).toBeUndefined();
    const threadRepliesOnly = new BotCapabilities(withThread([{ id: GUILD, type: 0, allow: '0', deny: String(P.SendMessages) }]));
    expect(threadRepliesOnly.blockFor('warn', inThread)).toBeUndefined();
    expect(threadRepliesOnly.blockFor('warn', member)?.detail).toBe('missing Send Messages permission');
  });
});
