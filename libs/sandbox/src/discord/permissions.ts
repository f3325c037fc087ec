import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { SandboxChannel, SandboxGuild, SandboxMember } from './model.js';

export const Permission = PermissionFlagsBits;

export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** What `@everyone` may do in a fresh guild (close to Discord's defaults). */
export const DEFAULT_EVERYONE_PERMISSIONS =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.SendMessagesInThreads |
  Permission.CreatePublicThreads |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.AddReactions |
  Permission.ReadMessageHistory |
  Permission.UseApplicationCommands |
  Permission.ChangeNickname |
  Permission.CreateInstantInvite;

/** What a bot's managed role gets unless the install asked for something else: enough for Steward's job. */
export const DEFAULT_BOT_PERMISSIONS =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.SendMessagesInThreads |
  Permission.CreatePublicThreads |
  Permission.EmbedLinks |
  Permission.ReadMessageHistory |
  Permission.ManageMessages |
  Permission.ModerateMembers |
  Permission.KickMembers |
  Permission.BanMembers;

/** Permissions a timed-out member keeps. */
const TIMED_OUT_PERMISSIONS = Permission.ViewChannel | Permission.ReadMessageHistory;

export function isTimedOut(member: SandboxMember, now = Date.now()): boolean {
  return member.communicationDisabledUntil !== null && Date.parse(member.communicationDisabledUntil) > now;
}

/** Guild-level permissions, as Discord computes them: owner and ADMINISTRATOR get everything. */
export function basePermissions(guild: SandboxGuild, member: SandboxMember): bigint {
  if (member.userId === guild.ownerId) return ALL_PERMISSIONS;
  let permissions = guild.roles.get(guild.id)?.permissions ?? 0n;
  for (const roleId of member.roles) permissions |= guild.roles.get(roleId)?.permissions ?? 0n;
  if ((permissions & Permission.Administrator) !== 0n) return ALL_PERMISSIONS;
  if (isTimedOut(member)) return permissions & TIMED_OUT_PERMISSIONS;
  return permissions;
}

/** Channel-level permissions: base permissions with the channel's overwrites applied (@everyone, roles, member). */
export function channelPermissions(
  guild: SandboxGuild,
  member: SandboxMember,
  channel: SandboxChannel,
): bigint {
  const base = basePermissions(guild, member);
  if ((base & Permission.Administrator) !== 0n) return ALL_PERMISSIONS;
  let permissions = base;
  const overwrites = channel.permissionOverwrites;
  const everyone = overwrites.find((overwrite) => overwrite.id === guild.id);
  if (everyone) permissions = (permissions & ~everyone.deny) | everyone.allow;
  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type === 0 && overwrite.id !== guild.id && member.roles.includes(overwrite.id)) {
      roleAllow |= overwrite.allow;
      roleDeny |= overwrite.deny;
    }
  }
  permissions = (permissions & ~roleDeny) | roleAllow;
  const own = overwrites.find((overwrite) => overwrite.type === 1 && overwrite.id === member.userId);
  if (own) permissions = (permissions & ~own.deny) | own.allow;
  if (isTimedOut(member)) permissions &= TIMED_OUT_PERMISSIONS;
  return permissions;
}

/** Position of the member's highest role; 0 (the @everyone position) for a member without roles. */
export function highestRolePosition(guild: SandboxGuild, member: SandboxMember): number {
  let highest = 0;
  for (const roleId of member.roles) highest = Math.max(highest, guild.roles.get(roleId)?.position ?? 0);
  return highest;
}

/** Whether `actor` may act on `target` (kick, ban, timeout): never on the owner, only below its own top role. */
export function outranks(guild: SandboxGuild, actor: SandboxMember, target: SandboxMember): boolean {
  if (target.userId === guild.ownerId) return false;
  if (actor.userId === guild.ownerId) return true;
  return highestRolePosition(guild, actor) > highestRolePosition(guild, target);
}

export function has(permissions: bigint, required: bigint): boolean {
  return (permissions & required) === required;
}
