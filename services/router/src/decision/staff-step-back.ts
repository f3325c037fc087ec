/**
 * Staff step-back: in all-messages mode the bot leaves a member alone while a staff member
 * (a role in the guild's `staffRoleIds`) is answering them in the channel.
 */

/** A recent message of the channel, as the router remembers it. */
export interface RecentMessage {
  messageId: string;
  authorId: string;
  authorName: string;
  authorIsBot: boolean;
  authorRoleIds: readonly string[];
  content: string;
  /** The author of the message this one replies to, when it is a reply. */
  replyToAuthorId: string | null;
  mentionedUserIds: readonly string[];
  sentAtMs: number;
}

/** How long after a staff member's reply the bot keeps out of that member's conversation. */
export const STAFF_STEP_BACK_MS = 5 * 60 * 1000;

export function isStaff(roleIds: readonly string[] | undefined, staffRoleIds: readonly string[]): boolean {
  return (roleIds ?? []).some((roleId) => staffRoleIds.includes(roleId));
}

/**
 * Whether a staff member replied to `memberId` (a reply to one of their messages, or a
 * mention of them) within `windowMs` before `atMs`.
 */
export function staffIsAnswering(input: {
  memberId: string;
  atMs: number;
  recent: readonly RecentMessage[];
  staffRoleIds: readonly string[];
  windowMs?: number;
}): boolean {
  const { memberId, atMs, recent, staffRoleIds, windowMs = STAFF_STEP_BACK_MS } = input;
  if (staffRoleIds.length === 0) return false;
  return recent.some(
    (message) =>
      message.authorId !== memberId &&
      atMs - message.sentAtMs <= windowMs &&
      isStaff(message.authorRoleIds, staffRoleIds) &&
      (message.replyToAuthorId === memberId || message.mentionedUserIds.includes(memberId)),
  );
}
