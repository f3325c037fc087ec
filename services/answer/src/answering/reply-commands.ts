import {
  AnswerOrigin,
  create,
  DiscordCommandSchema,
  type AnswerRequested,
  type DiscordCommand,
} from '@steward/contracts';

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
export function interactionReplyCommand(request: AnswerRequested, content: string): DiscordCommand {
  return create(DiscordCommandSchema, {
    ...baseCommand(request, replyCommandId(request.requestId, 1)),
    action: { case: 'editOriginalResponse', value: { token: request.interaction!.token, content } },
  });
}

/**
 * The reply to a message as one command per Discord message. The first replies to the
 * member's message (or opens a thread on it); the rest follow in the same place. A thread
 * started from a message has the message's id, so the follow-ups can be posted before the
 * thread exists from egress's point of view. No message may ping anyone.
 */
export function messageReplyCommands(
  request: AnswerRequested,
  messages: readonly string[],
): DiscordCommand[] {
  const inThread = request.replyInThread && Boolean(request.messageId);
  const followUpChannel = inThread ? request.messageId : request.channelId;
  return messages.map((content, index) => {
    const base = baseCommand(request, replyCommandId(request.requestId, index + 1));
    if (index === 0 && inThread) {
      return create(DiscordCommandSchema, {
        ...base,
        action: {
          case: 'startThread',
          value: {
            channelId: request.channelId,
            messageId: request.messageId,
            name: threadName(request.question),
            firstMessage: { channelId: request.messageId, content, mentionUserIds: [] },
          },
        },
      });
    }
    return create(DiscordCommandSchema, {
      ...base,
      action: {
        case: 'sendMessage',
        value: {
          channelId: index === 0 ? request.channelId : followUpChannel,
          content,
          replyToMessageId: index === 0 ? request.messageId : '',
          mentionUserIds: [],
        },
      },
    });
  });
}

function threadName(question: string): string {
  const name = question.replace(/\s+/g, ' ').trim() || 'Question';
  return name.length <= THREAD_NAME_LIMIT ? name : `${name.slice(0, THREAD_NAME_LIMIT - 1)}…`;
}
