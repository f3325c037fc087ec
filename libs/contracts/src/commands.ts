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

/**
 * How egress retries a command that fails in a way that may pass (5xx, 429, no answer): the
 * deliveries of its consumer and the pauses between them (the last one repeats). Services that
 * wait for egress's verdict size their waits on the same numbers.
 */
export const COMMAND_RETRY = { maxDeliver: 8, backoffMs: [1_000, 5_000, 15_000, 30_000, 60_000] } as const;

/** The pauses between egress's deliveries of a command it gives up on: most of the time giving up takes. */
export function commandGiveUpMs(): number {
  const { maxDeliver, backoffMs } = COMMAND_RETRY;
  let total = 0;
  for (let retry = 0; retry < maxDeliver - 1; retry++)
    total += backoffMs[Math.min(retry, backoffMs.length - 1)]!;
  return total;
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
