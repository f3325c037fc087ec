import { PermissionFlagsBits } from 'discord-api-types/v10';

/**
 * What the bot asks for when it is added to a server: reading and answering (also in the
 * threads it opens for replies), and the moderation actions a tenant may enable.
 */
export const BOT_PERMISSIONS: bigint = [
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.SendMessagesInThreads,
  PermissionFlagsBits.ReadMessageHistory,
  PermissionFlagsBits.CreatePublicThreads,
  PermissionFlagsBits.ManageMessages,
  PermissionFlagsBits.ModerateMembers,
  PermissionFlagsBits.KickMembers,
  PermissionFlagsBits.BanMembers,
].reduce((all, flag) => all | flag, 0n);

export const BOT_SCOPES = ['bot', 'applications.commands'] as const;
