import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { ModerationAction } from '@steward/ai';
import { BotPermissions, isThreadChannel } from '@steward/contracts';
import type { GuildDirectory } from '../directory/guild-directory.js';

/** Why the bot cannot take an action; `detail` is the exact sentence the moderation log shows. */
export interface ActionBlock {
  blockReason: 'hierarchy' | 'owner' | 'missing_permission';
  detail: string;
}

/** The permissions each action needs, named as Discord's role settings name them. */
const REQUIRED: Record<ModerationAction, { bits: bigint; name: string; where: 'channel' | 'guild' }[]> = {
  warn: [
    { bits: PermissionFlagsBits.ViewChannel, name: 'View Channel', where: 'channel' },
    { bits: PermissionFlagsBits.SendMessages, name: 'Send Messages', where: 'channel' },
  ],
  delete: [
    { bits: PermissionFlagsBits.ViewChannel, name: 'View Channel', where: 'channel' },
    { bits: PermissionFlagsBits.ManageMessages, name: 'Manage Messages', where: 'channel' },
  ],
  timeout: [{ bits: PermissionFlagsBits.ModerateMembers, name: 'Moderate Members', where: 'guild' }],
  kick: [{ bits: PermissionFlagsBits.KickMembers, name: 'Kick Members', where: 'guild' }],
  ban: [{ bits: PermissionFlagsBits.BanMembers, name: 'Ban Members', where: 'guild' }],
};

/** In a thread Discord asks for this instead of Send Messages. */
const SEND_IN_THREADS = {
  bits: PermissionFlagsBits.SendMessagesInThreads,
  name: 'Send Messages in Threads',
  where: 'channel',
} as const;

/** Actions against the member rather than the message: the role hierarchy applies to them. */
const MEMBER_ACTIONS: ReadonlySet<ModerationAction> = new Set(['timeout', 'kick', 'ban']);

export interface MessagePlace {
  channelId: string;
  /** The member's role ids, from the message's `member`. */
  memberRoleIds: readonly string[];
  authorId: string;
}

/** What the bot may do in a guild, computed as Discord computes permissions. */
export class BotCapabilities {
  private readonly positions = new Map<string, number>();
  private readonly permissions: BotPermissions;

  constructor(private readonly directory: GuildDirectory) {
    for (const role of directory.roles) this.positions.set(role.id, role.position);
    this.permissions = new BotPermissions(directory);
  }

  /** Position of the member's highest role (0: only @everyone). */
  memberTopRolePosition(roleIds: readonly string[]): number {
    return roleIds.reduce((top, id) => Math.max(top, this.positions.get(id) ?? 0), 0);
  }

  /** Whether the bot could ever act on this member itself (owner and role hierarchy). */
  hierarchyBlock(place: Pick<MessagePlace, 'authorId' | 'memberRoleIds'>): ActionBlock | undefined {
    if (place.authorId === this.directory.ownerId) return { blockReason: 'owner', detail: 'the member is the server owner' };
    if (this.memberTopRolePosition(place.memberRoleIds) >= this.directory.botTopRolePosition) {
      return { blockReason: 'hierarchy', detail: "bot role is below the member's top role" };
    }
    return undefined;
  }

  /** Why the bot cannot take this action on this message, or undefined when it can. */
  blockFor(action: ModerationAction, place: MessagePlace): ActionBlock | undefined {
    const channel = this.permissions.in(place.channelId);
    const inThread = isThreadChannel(this.permissions.channel(place.channelId)?.type ?? -1);
    const requirements = REQUIRED[action].map((requirement) =>
      inThread && requirement.bits === PermissionFlagsBits.SendMessages ? SEND_IN_THREADS : requirement,
    );
    for (const requirement of requirements) {
      const held = requirement.where === 'channel' ? channel : this.permissions.guild;
      if ((held & requirement.bits) !== requirement.bits) {
        return { blockReason: 'missing_permission', detail: `missing ${requirement.name} permission` };
      }
    }
    return MEMBER_ACTIONS.has(action) ? this.hierarchyBlock(place) : undefined;
  }
}

export function isMemberAction(action: ModerationAction): boolean {
  return MEMBER_ACTIONS.has(action);
}
