/**
 * The permissions the bot holds in a guild and in each of its channels, computed from the guild
 * directory the way Discord computes them: the @everyone role and the bot's roles, then a
 * channel's overwrites for @everyone, for the bot's roles and for the bot itself. A thread has
 * no overwrites of its own: its parent channel's apply.
 */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { isThreadChannel, type GuildDirectoryReply } from './directory-rpc.js';

type DirectoryChannel = GuildDirectoryReply['channels'][number];

const ALL = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

export class BotPermissions {
  /** What the bot's roles grant server-wide, before channel overwrites (Administrator: everything). */
  readonly guild: bigint;
  private readonly botUserIds: ReadonlySet<string>;
  private readonly channels: ReadonlyMap<string, DirectoryChannel>;

  constructor(private readonly directory: GuildDirectoryReply) {
    const held = new Set([directory.guild.id, ...directory.botRoleIds]);
    let granted = 0n;
    for (const role of directory.roles) if (held.has(role.id)) granted |= BigInt(role.permissions);
    this.guild = (granted & PermissionFlagsBits.Administrator) !== 0n ? ALL : granted;
    // The user a channel's member overwrite names: from the directory, or the bot's managed role.
    const botUserIds = directory.roles
      .filter((role) => role.botId && directory.botRoleIds.includes(role.id))
      .map((role) => role.botId!);
    if (directory.botUserId) botUserIds.push(directory.botUserId);
    this.botUserIds = new Set(botUserIds);
    this.channels = new Map(directory.channels.map((channel) => [channel.id, channel]));
  }

  /** The channel as the directory has it (undefined when it does not know it). */
  channel(channelId: string): DirectoryChannel | undefined {
    return this.channels.get(channelId);
  }

  /** The bot's permissions in a channel; a channel the directory does not know gets the guild's. */
  in(channelId: string): bigint {
    if ((this.guild & PermissionFlagsBits.Administrator) !== 0n) return ALL;
    const channel = this.overwritesSource(channelId);
    if (!channel) return this.guild;
    const guildId = this.directory.guild.id;
    let permissions = this.guild;
    const everyone = channel.permissionOverwrites.find((overwrite) => overwrite.id === guildId);
    if (everyone) permissions = (permissions & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
    let allow = 0n;
    let deny = 0n;
    for (const overwrite of channel.permissionOverwrites) {
      if (
        overwrite.type === 0 &&
        overwrite.id !== guildId &&
        this.directory.botRoleIds.includes(overwrite.id)
      ) {
        allow |= BigInt(overwrite.allow);
        deny |= BigInt(overwrite.deny);
      }
    }
    permissions = (permissions & ~deny) | allow;
    const own = channel.permissionOverwrites.find(
      (overwrite) => overwrite.type === 1 && this.botUserIds.has(overwrite.id),
    );
    if (own) permissions = (permissions & ~BigInt(own.deny)) | BigInt(own.allow);
    return permissions;
  }

  /** Whether the bot holds every one of `bits` in the channel. */
  has(channelId: string, bits: bigint): boolean {
    return (this.in(channelId) & bits) === bits;
  }

  /** The channel whose overwrites apply: a thread's parent. */
  private overwritesSource(channelId: string): DirectoryChannel | undefined {
    const channel = this.channels.get(channelId);
    return channel && isThreadChannel(channel.type) && channel.parentId
      ? this.channels.get(channel.parentId)
      : channel;
  }
}
