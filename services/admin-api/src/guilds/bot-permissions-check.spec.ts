import { DEFAULT_GUILD_SETTINGS, guildSettings, type GuildDirectoryReply } from '@steward/contracts';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { missingPermissions, requiredPermissions } from './bot-permissions-check.js';

const GUILD = '100000000000000001';
const BOT_ROLE = '100000000000000002';
const OTHER_ROLE = '100000000000000003';

function directory(everyone: bigint, botRole: bigint, other = P.Administrator): GuildDirectoryReply {
  const role = (id: string, position: number, permissions: bigint) => ({
    id,
    name: id,
    position,
    permissions: permissions.toString(),
    managed: false,
    botId: null,
  });
  return {
    guild: { id: GUILD, name: 'Acme', ownerId: '1', applicationId: '2' },
    channels: [],
    roles: [role(OTHER_ROLE, 2, other), role(BOT_ROLE, 1, botRole), role(GUILD, 0, everyone)],
    botRoleIds: [BOT_ROLE],
    botTopRolePosition: 1,
    ownerId: '1',
  };
}

const moderating = (actions: Record<string, boolean>, shadowMode = false) =>
  guildSettings.parse({ moderation: { enabled: true, shadowMode, actions } });

describe('the permissions the bot needs for its settings', () => {
  it('needs to read and answer by default, and each enabled moderation action on top', () => {
    expect(requiredPermissions(DEFAULT_GUILD_SETTINGS)).toEqual(['ViewChannel', 'SendMessages', 'ReadMessageHistory']);
    expect(requiredPermissions(moderating({ delete: true, timeout: true, ban: true }))).toEqual([
      'ViewChannel',
      'SendMessages',
      'ReadMessageHistory',
      'ManageMessages',
      'ModerateMembers',
      'BanMembers',
    ]);
  });

  it('asks nothing more in shadow mode, which only logs what it would do', () => {
    expect(requiredPermissions(moderating({ delete: true, kick: true }, true))).toEqual(
      requiredPermissions(DEFAULT_GUILD_SETTINGS),
    );
  });

  it('counts what @everyone grants with the bot role, and names only what is missing', () => {
    const everyone = P.ViewChannel | P.ReadMessageHistory;
    expect(missingPermissions(directory(everyone, P.SendMessages), moderating({ delete: true, kick: true }))).toEqual([
      'ManageMessages',
      'KickMembers',
    ]);
  });

  it('ignores roles the bot does not hold, and lacks nothing as Administrator', () => {
    expect(missingPermissions(directory(0n, 0n), DEFAULT_GUILD_SETTINGS)).toEqual([
      'ViewChannel',
      'SendMessages',
      'ReadMessageHistory',
    ]);
    expect(missingPermissions(directory(0n, P.Administrator), moderating({ ban: true }))).toEqual([]);
  });
});
