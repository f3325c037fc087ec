import { BotPermissions, type GuildDirectoryReply, type GuildSettings } from '@steward/contracts';
import { PermissionFlagsBits } from 'discord-api-types/v10';

export type PermissionName = keyof typeof PermissionFlagsBits;

/** What the bot needs in a server with these settings: to read and answer, and each moderation action it may take. */
export function requiredPermissions(settings: GuildSettings): PermissionName[] {
  const needed: PermissionName[] = ['ViewChannel', 'SendMessages', 'ReadMessageHistory'];
  if (settings.replyInThread) needed.push('CreatePublicThreads', 'SendMessagesInThreads');
  const moderation = settings.moderation;
  // Shadow mode only logs what it would do: it needs no moderation permission yet.
  if (moderation.enabled && !moderation.shadowMode) {
    if (moderation.actions.delete) needed.push('ManageMessages');
    if (moderation.actions.timeout) needed.push('ModerateMembers');
    if (moderation.actions.kick) needed.push('KickMembers');
    if (moderation.actions.ban) needed.push('BanMembers');
  }
  return needed;
}

/** The permissions these settings need that the bot does not hold, in the order they matter. */
export function missingPermissions(directory: GuildDirectoryReply, settings: GuildSettings): PermissionName[] {
  const granted = new BotPermissions(directory).guild;
  return requiredPermissions(settings).filter((name) => (granted & PermissionFlagsBits[name]) === 0n);
}
