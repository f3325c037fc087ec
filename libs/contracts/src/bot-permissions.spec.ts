import { describe, expect, it } from '@jest/globals';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { BotPermissions } from './bot-permissions.js';
import type { GuildDirectoryReply } from './directory-rpc.js';

const GUILD = '900000000000000000';
const BOT_ROLE = '900000000000000001';
const OTHER_ROLE = '900000000000000002';
const BOT_USER = '900000000000000009';

type Overwrite = GuildDirectoryReply['channels'][number]['permissionOverwrites'][number];

function directory(everyone: bigint, botRole: bigint, overwrites: Overwrite[] = []): GuildDirectoryReply {
  return {
    guild: { id: GUILD, name: 'g', ownerId: '1', applicationId: BOT_USER },
    ownerId: '1',
    channels: [
      { id: 'c1', name: 'general', type: 0, parentId: null, position: 0, permissionOverwrites: overwrites },
      { id: 't1', name: 'a thread', type: 11, parentId: 'c1', position: 0, permissionOverwrites: [] },
    ],
    roles: [
      {
        id: OTHER_ROLE,
        name: 'Mods',
        position: 2,
        permissions: String(P.BanMembers),
        managed: false,
        botId: null,
      },
      {
        id: BOT_ROLE,
        name: 'Steward',
        position: 1,
        permissions: String(botRole),
        managed: true,
        botId: BOT_USER,
      },
      {
        id: GUILD,
        name: '@everyone',
        position: 0,
        permissions: String(everyone),
        managed: false,
        botId: null,
      },
    ],
    botRoleIds: [BOT_ROLE],
    botTopRolePosition: 1,
  };
}

const deny = (id: string, type: 0 | 1, bits: bigint): Overwrite => ({
  id,
  type,
  allow: '0',
  deny: String(bits),
});
const allow = (id: string, type: 0 | 1, bits: bigint): Overwrite => ({
  id,
  type,
  allow: String(bits),
  deny: '0',
});

describe('BotPermissions', () => {
  it("grants what @everyone and the bot's roles grant, not other roles", () => {
    const permissions = new BotPermissions(directory(P.ViewChannel, P.CreatePublicThreads));
    expect(permissions.guild).toBe(P.ViewChannel | P.CreatePublicThreads);
    expect(permissions.has('c1', P.BanMembers)).toBe(false);
  });

  it("applies a channel's overwrites in Discord's order: @everyone, the bot's roles, the bot itself", () => {
    const everyoneDenied = new BotPermissions(
      directory(P.ViewChannel | P.CreatePublicThreads, 0n, [deny(GUILD, 0, P.CreatePublicThreads)]),
    );
    expect(everyoneDenied.has('c1', P.CreatePublicThreads)).toBe(false);
    const roleAllows = new BotPermissions(
      directory(P.ViewChannel | P.CreatePublicThreads, 0n, [
        deny(GUILD, 0, P.CreatePublicThreads),
        allow(BOT_ROLE, 0, P.CreatePublicThreads),
      ]),
    );
    expect(roleAllows.has('c1', P.CreatePublicThreads)).toBe(true);
    const botDenied = new BotPermissions(
      directory(P.ViewChannel, P.CreatePublicThreads, [
        allow(BOT_ROLE, 0, P.CreatePublicThreads),
        deny(BOT_USER, 1, P.CreatePublicThreads),
      ]),
    );
    expect(botDenied.has('c1', P.CreatePublicThreads)).toBe(false);
    // Other roles' overwrites do not touch the bot.
    expect(
      new BotPermissions(
        directory(P.ViewChannel, P.CreatePublicThreads, [deny(OTHER_ROLE, 0, P.CreatePublicThreads)]),
      ).has('c1', P.CreatePublicThreads),
    ).toBe(true);
  });

  it('applies overwrites for the bot user when it holds no role of its own', () => {
    const roleless = {
      ...directory(0n, 0n, [allow(BOT_USER, 1, P.ViewChannel)]),
      botRoleIds: [],
      botUserId: BOT_USER,
    };
    expect(new BotPermissions(roleless).has('c1', P.ViewChannel)).toBe(true);
  });

  it("gives a thread its parent channel's overwrites, and an unknown channel the guild's permissions", () => {
    const permissions = new BotPermissions(
      directory(P.ViewChannel | P.SendMessagesInThreads, 0n, [deny(BOT_ROLE, 0, P.SendMessagesInThreads)]),
    );
    expect(permissions.has('t1', P.SendMessagesInThreads)).toBe(false);
    expect(permissions.has('unknown', P.SendMessagesInThreads)).toBe(true);
  });

  it('lets Administrator hold everything whatever the overwrites', () => {
    const admin = new BotPermissions(
      directory(0n, P.Administrator, [deny(BOT_ROLE, 0, P.ViewChannel | P.CreatePublicThreads)]),
    );
    expect(admin.has('c1', P.ViewChannel | P.CreatePublicThreads | P.BanMembers)).toBe(true);
  });
});
