import {
  AnswerOrigin,
  conversationIdOf,
  create,
  DiscordCommandSchema,
  type AnswerRequested,
  type ButtonSchema,
  type DiscordCommand,
} from '@steward/contracts';
import type { MessageInitShape } from '@bufbuild/protobuf';

/** Buttons under a reply (the feedback buttons of an answer). */
export type ReplyButtons = MessageInitShape<typeof ButtonSchema>[];

/** Discord's limit on a thread name. */
const THREAD_NAME_LIMIT = 100;

export function typingCommandId(requestId: string): string {
  return `typing:${requestId}`;
}

export function replyCommandId(requestId: string, part: number): string {
  return `reply:${requestId}:${part}`;
}

function baseCommand(request: AnswerRequested, commandId: string) {
  return {
    commandId,
    applicationId: request.applicationId,
    tenantId: request.tenantId,
    guildId: request.guildId,
    createdAtMs: BigInt(Date.now()),
  };
}

/** Whether the question came from Discord and is answered there (not the chat API). */
export function repliesInDiscord(request: AnswerRequested): boolean {
  return request.origin !== AnswerOrigin.CHAT_API;
}

/** Whether the reply edits an interaction's deferred response (/ask) rather than posting a message. */
export function repliesToInteraction(request: AnswerRequested): boolean {
  return request.origin === AnswerOrigin.SLASH_COMMAND && Boolean(request.interaction?.token);
}

export function typingCommand(request: AnswerRequested): DiscordCommand {
  return create(DiscordCommandSchema, {
    ...baseCommand(request, typingCommandId(request.requestId)),
    action: { case: 'triggerTyping', value: { channelId: request.channelId } },
  });
}

/** The /ask reply: the interaction's deferred response, edited once. */
export function interactionReplyCommand(
  request: AnswerRequested,
  content: string,
  buttons: ReplyButtons = [],
): DiscordCommand {
  return create(DiscordCommandSchema, {
    ...baseCommand(request, replyCommandId(request.requestId, 1)),
    action: { case: 'editOriginalResponse', value: { token: request.interaction!.token, content, buttons } },
  });
}

/**
 * The reply to a message, as one command however many Discord messages it takes: the first
 * replies to the member's message (or opens a thread on it), the rest follow it in order in the
 * same place (egress posts them one after the other), the buttons under the last. No message
 * may ping anyone.
 */
export function messageReplyCommand(
  request: AnswerRequested,
  messages: readonly string[],
  buttons: ReplyButtons = [],
): DiscordCommand {
  const [content = '', ...continuations] = messages;
  const base = baseCommand(request, replyCommandId(request.requestId, 1));
  if (request.replyInThread && request.messageId) {
    return create(DiscordCommandSchema, {
      ...base,
      action: {
        case: 'startThread',
        value: {
          channelId: request.channelId,
          messageId: request.messageId,
          name: threadName(request.question),
          // A thread started from a message has the message's id.
          firstMessage: { channelId: request.messageId, content, continuations, mentionUserIds: [], buttons },
        },
      },
    });
  }
  return create(DiscordCommandSchema, {
    ...base,
    action: {
      case: 'sendMessage',
      value: {
        channelId: request.channelId,
        content,
        continuations,
        replyToMessageId: request.messageId,
        mentionUserIds: [],
        buttons,
      },
    },
  });
}

/**
 * Where the conversation goes on after these reply commands: into the thread one of them opens
 * on the question (the member's follow-ups, an agent's replies and the transcript are there),
 * otherwise it stays where the question was asked.
 */
export function conversationAfterReply(
  request: AnswerRequested,
  replyCommands: readonly DiscordCommand[],
): { channelId: string; conversationId: string } {
  for (const { action } of replyCommands) {
    if (action.case !== 'startThread') continue;
    const threadId = action.value.messageId; // a thread started from a message has the message's id
    return {
      channelId: threadId,
      conversationId: conversationIdOf(request.guildId, threadId, request.authorId),
    };
  }
  return { channelId: request.channelId, conversationId: request.conversationId };
}

function threadName(question: string): string {
  const name = question.replace(/\s+/g, ' ').trim() || 'Question';
  return name.length <= THREAD_NAME_LIMIT ? name : `${name.slice(0, THREAD_NAME_LIMIT - 1)}…`;
}
