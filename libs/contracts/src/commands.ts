import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { decode } from './codec.js';
import type { DiscordCommand, DiscordCommandResult } from './gen/steward/v1/discord_pb.js';
import { discordCommandSubject } from './subjects.js';

/** The subject verb of each Discord command action (`discord.cmd.<appId>.<verb>`). */
export const COMMAND_VERBS = {
  sendMessage: 'send',
  editMessage: 'edit',
  deleteMessage: 'delete',
  triggerTyping: 'typing',
  interactionCallback: 'interaction-callback',
  editOriginalResponse: 'edit-original',
  timeoutMember: 'timeout',
  kickMember: 'kick',
  banMember: 'ban',
  startThread: 'thread',
} as const satisfies Record<NonNullable<DiscordCommand['action']['case']>, string>;

export type CommandVerb = (typeof COMMAND_VERBS)[keyof typeof COMMAND_VERBS];

/** The verb of a command; throws for a command without an action. */
export function commandVerb(command: Pick<DiscordCommand, 'action'>): CommandVerb {
  if (!command.action.case) throw new Error('Discord command has no action');
  return COMMAND_VERBS[command.action.case];
}

/** Where a command is published: `discord.cmd.<appId>.<verb>`. */
export function commandSubject(command: Pick<DiscordCommand, 'applicationId' | 'action'>): string {
  return discordCommandSubject(command.applicationId, commandVerb(command));
}

/** Why Discord refused a command, in one line for people: "HTTP 403 (Discord code 50013): Missing Permissions". */
export function commandFailureDetail(
  result: Pick<DiscordCommandResult, 'httpStatus' | 'discordCode' | 'error'>,
): string {
  const status = result.httpStatus ? `HTTP ${result.httpStatus}` : 'no answer from Discord';
  const code = result.discordCode ? ` (Discord code ${result.discordCode})` : '';
  return `${status}${code}: ${result.error || 'unknown error'}`;
}

/**
 * A payload decoder for bus handlers (`decode:` of `@JetStreamEventPattern`) that turns the
 * message bytes into the given protobuf message.
 */
export function protoDecoder<Desc extends DescMessage>(schema: Desc) {
  return (message: { data: Uint8Array }): MessageShape<Desc> => decode(schema, message.data);
}
