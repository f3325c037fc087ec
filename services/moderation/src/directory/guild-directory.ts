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
