/**
 * The guild directory as the router serves it (`rpc.router.directory.guild`, schemas in
 * `@steward/contracts`): channels with their permission overwrites, roles with positions and
 * permissions, the bot's roles and the owner. Validated on arrival: it crosses a service boundary.
 */
import { DirectoryErrorCode, DirectoryRpc, type GuildDirectoryReply } from '@steward/contracts';

export const GUILD_DIRECTORY_SUBJECT = DirectoryRpc.guild.subject;
/** The router's answer when it has not seen the guild. */
export const DIRECTORY_NOT_FOUND = DirectoryErrorCode.NotFound;
export const guildDirectory = DirectoryRpc.guild.reply;
export type GuildDirectory = GuildDirectoryReply;

type DirectoryChannel = GuildDirectory['channels'][number];

/**
 * The channel and what it sits in, innermost first: a thread, its channel, that channel's
 * category. A guild nests no deeper; the bound also keeps a malformed directory from looping.
 */
export function channelAndParents(directory: GuildDirectory | null, channel: DirectoryChannel): string[] {
  const chain = [channel.id];
  let parentId = channel.parentId;
  while (parentId && chain.length < 3 && !chain.includes(parentId)) {
    chain.push(parentId);
    parentId = directory?.channels.find((candidate) => candidate.id === parentId)?.parentId ?? null;
  }
  return chain;
}
