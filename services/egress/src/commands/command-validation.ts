import { snowflake } from '@steward/config';
import {
  COMMAND_VERBS,
  discordCommandSubject,
  type Button,
  type DiscordCommand,
  type SendMessage,
} from '@steward/contracts';

/** Discord's limits that a command can break before it ever reaches Discord. */
export const DISCORD_LIMITS = {
  content: 2_000,
  auditLogReason: 512,
  buttons: 25,
  buttonLabel: 80,
  customId: 100,
  mentionedUsers: 100,
  threadName: 100,
  /** Not Discord's: a reply of more than 10 continuations (22,000 characters) is a mistake. */
  continuations: 10,
  /** Discord allows a timeout of at most 28 days. */
  timeoutMinutes: 28 * 24 * 60,
  banDeleteMessageSeconds: 604_800,
} as const;

const MAX_COMMAND_ID_LENGTH = 200;
/** Interaction tokens go into URL paths: only the characters Discord uses. */
const INTERACTION_TOKEN = /^[A-Za-z0-9._-]{1,500}$/;
/** Interaction response types egress sends: 4 message, 5 deferred message, 6 deferred update, 7 update. */
const CALLBACK_TYPES = new Set([4, 5, 6, 7]);

/**
 * Everything wrong with a command, in words a developer can act on; empty when it can be
 * performed. `subject` is where it arrived, which must agree with its application and verb.
 */
export function validateCommand(command: DiscordCommand, subject: string): string[] {
  const problems: string[] = [];
  const check = (condition: boolean, problem: string) => {
    if (!condition) problems.push(problem);
  };
  const id = (value: string, field: string) =>
    check(isSnowflake(value), `${field} must be a Discord id, got ${JSON.stringify(value)}`);
  const reason = (value: string) =>
    check(
      value.length <= DISCORD_LIMITS.auditLogReason,
      `reason must be at most ${DISCORD_LIMITS.auditLogReason} characters`,
    );

  check(
    command.commandId.length <= MAX_COMMAND_ID_LENGTH,
    `command_id must be at most ${MAX_COMMAND_ID_LENGTH} characters`,
  );
  id(command.applicationId, 'application_id');
  const { action } = command;
  if (!action.case) return [...problems, 'the command has no action'];
  if (isSnowflake(command.applicationId)) {
    const expected = discordCommandSubject(command.applicationId, COMMAND_VERBS[action.case]);
    check(
      subject === expected,
      `a ${action.case} command for application ${command.applicationId} belongs on ${expected}, not ${subject}`,
    );
  }

  switch (action.case) {
    case 'sendMessage':
      problems.push(...messageProblems(action.value, 'send_message'));
      break;
    case 'editMessage':
      id(action.value.channelId, 'edit_message.channel_id');
      id(action.value.messageId, 'edit_message.message_id');
      problems.push(...contentProblems(action.value.content, 'edit_message.content', true));
      break;
    case 'deleteMessage':
      id(action.value.channelId, 'delete_message.channel_id');
      id(action.value.messageId, 'delete_message.message_id');
      reason(action.value.reason);
      break;
    case 'triggerTyping':
      id(action.value.channelId, 'trigger_typing.channel_id');
      break;
    case 'interactionCallback': {
      const { interactionId, token, type, content } = action.value;
      id(interactionId, 'interaction_callback.interaction_id');
      check(INTERACTION_TOKEN.test(token), 'interaction_callback.token must be an interaction token');
      check(CALLBACK_TYPES.has(type), `interaction_callback.type must be 4, 5, 6 or 7, got ${type}`);
      problems.push(...contentProblems(content, 'interaction_callback.content', type === 4));
      break;
    }
    case 'editOriginalResponse': {
      const { token, content, buttons } = action.value;
      check(INTERACTION_TOKEN.test(token), 'edit_original_response.token must be an interaction token');
      problems.push(...contentProblems(content, 'edit_original_response.content', buttons.length === 0));
      problems.push(...buttonProblems(buttons, 'edit_original_response.buttons'));
      break;
    }
    case 'timeoutMember':
      id(command.guildId, 'guild_id');
      id(action.value.userId, 'timeout_member.user_id');
      check(
        action.value.minutes <= DISCORD_LIMITS.timeoutMinutes,
        `timeout_member.minutes must be at most ${DISCORD_LIMITS.timeoutMinutes} (28 days), got ${action.value.minutes}`,
      );
      reason(action.value.reason);
      break;
    case 'kickMember':
      id(command.guildId, 'guild_id');
      id(action.value.userId, 'kick_member.user_id');
      reason(action.value.reason);
      break;
    case 'banMember':
      id(command.guildId, 'guild_id');
      id(action.value.userId, 'ban_member.user_id');
      check(
        action.value.deleteMessageSeconds <= DISCORD_LIMITS.banDeleteMessageSeconds,
        `ban_member.delete_message_seconds must be at most ${DISCORD_LIMITS.banDeleteMessageSeconds} (7 days)`,
      );
      reason(action.value.reason);
      break;
    case 'startThread':
      id(action.value.channelId, 'start_thread.channel_id');
      id(action.value.messageId, 'start_thread.message_id');
      check(action.value.name.trim() !== '', 'start_thread.name must not be empty');
      if (action.value.firstMessage) {
        // The first message goes into the new thread, whatever channel it names.
        problems.push(
          ...messageProblems(action.value.firstMessage, 'start_thread.first_message', { channel: false }),
        );
      }
      break;
  }
  return problems;
}

function messageProblems(message: SendMessage, field: string, { channel = true } = {}): string[] {
  const problems: string[] = [];
  if (channel && !isSnowflake(message.channelId))
    problems.push(`${field}.channel_id must be a Discord id, got ${JSON.stringify(message.channelId)}`);
  if (message.replyToMessageId && !isSnowflake(message.replyToMessageId))
    problems.push(`${field}.reply_to_message_id must be a Discord id`);
  if (message.mentionUserIds.some((user) => !isSnowflake(user)))
    problems.push(`${field}.mention_user_ids must all be Discord ids`);
  if (message.mentionUserIds.length > DISCORD_LIMITS.mentionedUsers)
    problems.push(`${field}.mention_user_ids may name at most ${DISCORD_LIMITS.mentionedUsers} users`);
  problems.push(...contentProblems(message.content, `${field}.content`, message.buttons.length === 0));
  if (message.continuations.length > DISCORD_LIMITS.continuations)
    problems.push(`${field}.continuations may hold at most ${DISCORD_LIMITS.continuations} messages`);
  message.continuations.forEach((content, index) =>
    problems.push(...contentProblems(content, `${field}.continuations[${index}]`, true)),
  );
  problems.push(...buttonProblems(message.buttons, `${field}.buttons`));
  return problems;
}

function contentProblems(content: string, field: string, required: boolean): string[] {
  if (required && content.trim() === '') return [`${field} must not be empty`];
  if (content.length > DISCORD_LIMITS.content)
    return [`${field} is ${content.length} characters; Discord allows ${DISCORD_LIMITS.content}`];
  return [];
}

function buttonProblems(buttons: Button[], field: string): string[] {
  const problems: string[] = [];
  if (buttons.length > DISCORD_LIMITS.buttons)
    problems.push(`${field} may hold at most ${DISCORD_LIMITS.buttons} buttons`);
  buttons.forEach((button, index) => {
    const at = `${field}[${index}]`;
    if (!button.label && !button.emoji) problems.push(`${at} needs a label or an emoji`);
    if (button.label.length > DISCORD_LIMITS.buttonLabel)
      problems.push(`${at}.label must be at most ${DISCORD_LIMITS.buttonLabel} characters`);
    if (button.url) {
      if (!/^https?:\/\//.test(button.url)) problems.push(`${at}.url must be an http(s) URL`);
      if (button.customId)
        problems.push(`${at} has both a url and a custom_id; a link button has only the url`);
    } else {
      if (!button.customId || button.customId.length > DISCORD_LIMITS.customId)
        problems.push(`${at}.custom_id must be 1 to ${DISCORD_LIMITS.customId} characters (or give a url)`);
      if (button.style > 4)
        problems.push(`${at}.style must be 1 to 4 (0 for the default) for a button with a custom_id`);
    }
  });
  return problems;
}

function isSnowflake(value: string): boolean {
  return snowflake.safeParse(value).success;
}
