import { createHash } from 'node:crypto';
import { DiscordAPIError, parseResponse, RequestMethod, type REST, type RequestData } from '@discordjs/rest';
import type { Button, DiscordCommand, SendMessage } from '@steward/contracts';
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  RESTJSONErrorCodes,
  Routes,
  type APIActionRowComponent,
  type APIAllowedMentions,
  type APIButtonComponent,
  type APIGuildMember,
  type APIMessage,
  type APIMessageComponentEmoji,
  type RESTPatchAPIChannelMessageJSONBody,
  type RESTPatchAPIGuildMemberJSONBody,
  type RESTPatchAPIWebhookWithTokenMessageJSONBody,
  type RESTPostAPIChannelMessageJSONBody,
  type RESTPostAPIChannelMessagesThreadsJSONBody,
  type RESTPostAPIInteractionCallbackJSONBody,
  type RESTPostAPIInteractionCallbackWithResponseResult,
  type RESTPutAPIGuildBanJSONBody,
} from 'discord-api-types/v10';
import { withUncertainTries } from '../discord/request-attempts.js';
import { DISCORD_LIMITS } from './command-validation.js';

/** What Discord answered to a command that succeeded. */
export interface PerformedCommand {
  httpStatus: number;
  /** The message created or edited, when there is one. */
  messageId?: string;
  /** Done otherwise than asked, and why (for the operator's log). */
  departure?: string;
}

export interface ActionClients {
  /** The bot's client; every verb except the interaction ones needs it. */
  bot?: REST;
  /** The token-less client for interaction callbacks and webhook edits. */
  interactions: REST;
}

/** Verbs authorized by the interaction token in the URL instead of the bot token. */
export const INTERACTION_VERB_CASES = new Set<DiscordCommand['action']['case']>([
  'interactionCallback',
  'editOriginalResponse',
]);

/**
 * The `nonce` of the messages a command creates: Discord returns the message already created
 * with it (instead of posting another) when `enforce_nonce` is set, which makes sending safe to
 * repeat after a crash between the REST call and the acknowledgement. At most 25 characters.
 */
export function nonceFor(commandId: string): string {
  return createHash('sha256').update(commandId).digest('hex').slice(0, 25);
}

/** What a command needs of a REST client: its queue (per rate-limit bucket). */
type RequestQueue = Pick<REST, 'queueRequest'>;

/** The client with `signal` on every request: aborting it takes them out of their queue. */
function abortable(rest: REST, signal: AbortSignal | undefined): RequestQueue {
  if (!signal) return rest;
  return { queueRequest: (request) => rest.queueRequest({ ...request, signal }) };
}

/**
 * Performs one command against Discord. `previouslyAttempted` says an earlier delivery may
 * already have done it (the process died before recording the outcome): Discord's answers
 * that mean "already done" then count as success. `signal` abandons the command's requests,
 * waiting or under way (the command then counts as attempted, its outcome unknown).
 */
export async function performCommand(
  command: DiscordCommand,
  clients: ActionClients,
  previouslyAttempted: boolean,
  signal?: AbortSignal,
): Promise<PerformedCommand> {
  const { action } = command;
  const bot = () => {
    if (!clients.bot) throw new Error(`no bot client for application ${command.applicationId}`);
    return abortable(clients.bot, signal);
  };
  const interactions = abortable(clients.interactions, signal);
  // An earlier delivery, or a try of this one that failed or drew a 5xx (the client then tries
  // again by itself), may have been carried out with its answer lost.
  const alreadyDone = async (codes: number[], request: () => Promise<PerformedCommand>) => {
    const outcome = await withUncertainTries(request);
    if (outcome.ok) return outcome.value;
    const { error } = outcome;
    const triedBefore = previouslyAttempted || outcome.uncertain > 0;
    if (triedBefore && error instanceof DiscordAPIError && codes.includes(Number(error.code)))
      return { httpStatus: error.status };
    throw error;
  };

  switch (action.case) {
    case 'sendMessage':
      return sendMessage(bot(), action.value.channelId, action.value, command.commandId);
    case 'editMessage': {
      const { channelId, messageId, content } = action.value;
      const body: RESTPatchAPIChannelMessageJSONBody = { content, allowed_mentions: NO_PINGS };
      const response = await call(bot(), RequestMethod.Patch, Routes.channelMessage(channelId, messageId), {
        body,
      });
      return { httpStatus: response.status, messageId: (response.body as APIMessage).id };
    }
    case 'deleteMessage': {
      const { channelId, messageId, reason } = action.value;
      // Unknown Message after our own earlier attempt: that attempt deleted it.
      return alreadyDone([10008], async () => {
        const response = await call(
          bot(),
          RequestMethod.Delete,
          Routes.channelMessage(channelId, messageId),
          {
            reason: reason || undefined,
          },
        );
        return { httpStatus: response.status };
      });
    }
    case 'triggerTyping': {
      const response = await call(
        bot(),
        RequestMethod.Post,
        Routes.channelTyping(action.value.channelId),
        {},
      );
      return { httpStatus: response.status };
    }
    case 'interactionCallback': {
      const { interactionId, token, type, content, ephemeral } = action.value;
      const data = {
        ...(content ? { content, allowed_mentions: NO_PINGS } : {}),
        ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
      };
      const body = {
        type,
        ...(Object.keys(data).length ? { data } : {}),
      } as RESTPostAPIInteractionCallbackJSONBody;
      // Already acknowledged after our own earlier attempt: that attempt answered it.
      return alreadyDone([40060], async () => {
        const response = await call(
          interactions,
          RequestMethod.Post,
          Routes.interactionCallback(interactionId, token),
          {
            body,
            auth: false,
            query: new URLSearchParams({ with_response: 'true' }),
          },
        );
        const result = response.body as RESTPostAPIInteractionCallbackWithResponseResult | undefined;
        return { httpStatus: response.status, messageId: result?.resource?.message?.id };
      });
    }
    case 'editOriginalResponse': {
      const { token, content, buttons } = action.value;
      const body: RESTPatchAPIWebhookWithTokenMessageJSONBody = {
        content,
        allowed_mentions: NO_PINGS,
        ...(buttons.length ? { components: buttonRows(buttons) } : {}),
      };
      const route = Routes.webhookMessage(command.applicationId, token, '@original');
      const response = await call(interactions, RequestMethod.Patch, route, { body, auth: false });
      return { httpStatus: response.status, messageId: (response.body as APIMessage).id };
    }
    case 'timeoutMember': {
      const { userId, minutes, reason } = action.value;
      const route = Routes.guildMember(command.guildId, userId);
      // Zero minutes lifts a timeout.
      const until = minutes > 0 ? Date.now() + minutes * 60_000 : null;
      if (until !== null) {
        // A moderator may have timed the member out for longer meanwhile (the command waited
        // for metering, or for its retries): Discord would replace theirs with this shorter one.
        const current = await call(bot(), RequestMethod.Get, route, {});
        const theirs = (current.body as APIGuildMember).communication_disabled_until;
        if (theirs && Date.parse(theirs) >= until) return { httpStatus: current.status };
      }
      const body: RESTPatchAPIGuildMemberJSONBody = {
        communication_disabled_until: until === null ? null : new Date(until).toISOString(),
      };
      const response = await call(bot(), RequestMethod.Patch, route, { body, reason: reason || undefined });
      return { httpStatus: response.status };
    }
    case 'kickMember': {
      const { userId, reason } = action.value;
      // Unknown Member after our own earlier attempt: that attempt removed them.
      return alreadyDone([10007], async () => {
        const response = await call(
          bot(),
          RequestMethod.Delete,
          Routes.guildMember(command.guildId, userId),
          {
            reason: reason || undefined,
          },
        );
        return { httpStatus: response.status };
      });
    }
    case 'banMember': {
      const { userId, deleteMessageSeconds, reason } = action.value;
      const body: RESTPutAPIGuildBanJSONBody = { delete_message_seconds: deleteMessageSeconds };
      const response = await call(bot(), RequestMethod.Put, Routes.guildBan(command.guildId, userId), {
        body,
        reason: reason || undefined,
      });
      return { httpStatus: response.status };
    }
    case 'startThread':
      return startThread(bot(), command, action.value);
    case undefined:
      throw new Error('the command has no action');
  }
}

/** A reply can never ping @everyone, @here or a role, whatever its text says: only the listed users. */
const NO_PINGS: APIAllowedMentions = { parse: [] };

/**
 * Posts a message and then its continuations (the rest of a long reply), in order, one after
 * the other: parts sent as separate commands could overtake each other, or reach a thread
 * before it exists. Each part has its own nonce, so a redelivery posts only what is missing.
 * The first part carries the reply reference, the last the buttons.
 */
async function sendMessage(
  rest: RequestQueue,
  channelId: string,
  message: SendMessage,
  commandId: string,
): Promise<PerformedCommand> {
  const parts = [message.content, ...message.continuations];
  let first: PerformedCommand | undefined;
  for (const [index, content] of parts.entries()) {
    const body: RESTPostAPIChannelMessageJSONBody = {
      content,
      allowed_mentions: { parse: [], users: message.mentionUserIds, replied_user: true },
      nonce: nonceFor(index === 0 ? commandId : `${commandId}#${index + 1}`),
      enforce_nonce: true,
      ...(index === 0 && message.replyToMessageId
        ? // A question deleted meanwhile still gets its answer, as a plain message.
          { message_reference: { message_id: message.replyToMessageId, fail_if_not_exists: false } }
        : {}),
      ...(index === parts.length - 1 && message.buttons.length
        ? { components: buttonRows(message.buttons) }
        : {}),
    };
    const response = await call(rest, RequestMethod.Post, Routes.channelMessages(channelId), { body });
    first ??= { httpStatus: response.status, messageId: (response.body as APIMessage).id };
  }
  return first!;
}

/**
 * Discord's refusals to open a thread on a message after which the channel itself may still
 * take the reply: no Create Public Threads, a channel type without threads, and the question
 * deleted meanwhile.
 */
const THREAD_REFUSALS_TO_ANSWER_AROUND = new Set<number>([
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.CannotExecuteActionOnThisChannelType,
  RESTJSONErrorCodes.UnknownMessage,
]);

/**
 * Opens a thread on the member's message and posts the first message in it. When Discord
 * refuses the thread, the first message goes to the channel as a reply to the question instead:
 * a member who asked is answered, if not where the settings say.
 */
async function startThread(
  rest: RequestQueue,
  command: DiscordCommand,
  thread: { channelId: string; messageId: string; name: string; firstMessage?: SendMessage },
): Promise<PerformedCommand> {
  const body: RESTPostAPIChannelMessagesThreadsJSONBody = {
    name: thread.name.trim().slice(0, DISCORD_LIMITS.threadName),
  };
  let threadId: string;
  let httpStatus: number;
  try {
    const response = await call(
      rest,
      RequestMethod.Post,
      Routes.threads(thread.channelId, thread.messageId),
      { body },
    );
    threadId = (response.body as { id: string }).id;
    httpStatus = response.status;
  } catch (error) {
    if (!(error instanceof DiscordAPIError)) throw error;
    const code = Number(error.code);
    if (thread.firstMessage && THREAD_REFUSALS_TO_ANSWER_AROUND.has(code)) {
      const inChannel = await sendMessage(
        rest,
        thread.channelId,
        { ...thread.firstMessage, replyToMessageId: thread.messageId },
        command.commandId,
      );
      return {
        ...inChannel,
        departure: `posted in the channel: Discord refused to open a thread (${code} ${error.message})`,
      };
    }
    // "A thread has already been created for this message": a thread started from a message
    // has the message's id, so carry on with the first message (its nonce keeps it single).
    if (code !== 160004) throw error;
    threadId = thread.messageId;
    httpStatus = error.status;
  }
  if (!thread.firstMessage) return { httpStatus };
  return sendMessage(rest, threadId, thread.firstMessage, command.commandId);
}

/** Buttons in action rows of five, as Discord lays them out. */
function buttonRows(buttons: Button[]): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let index = 0; index < buttons.length; index += 5) {
    rows.push({ type: ComponentType.ActionRow, components: buttons.slice(index, index + 5).map(toButton) });
  }
  return rows;
}

function toButton(button: Button): APIButtonComponent {
  const label = button.label || undefined;
  const emoji = button.emoji ? toEmoji(button.emoji) : undefined;
  if (button.url)
    return { type: ComponentType.Button, style: ButtonStyle.Link, url: button.url, label, emoji };
  return {
    type: ComponentType.Button,
    style: (button.style || ButtonStyle.Secondary) as ButtonStyle.Primary,
    custom_id: button.customId,
    label,
    emoji,
  };
}

/** `<:name:id>` / `<a:name:id>` for a custom emoji, anything else as a Unicode emoji. */
function toEmoji(emoji: string): APIMessageComponentEmoji {
  const custom = /^<(a?):(\w+):(\d+)>$/.exec(emoji);
  if (!custom) return { name: emoji };
  return { name: custom[2], id: custom[3], animated: custom[1] === 'a' };
}

async function call(
  rest: RequestQueue,
  method: RequestMethod,
  route: `/${string}`,
  data: RequestData,
): Promise<{ status: number; body: unknown }> {
  const response = await rest.queueRequest({ ...data, method, fullRoute: route });
  return { status: response.status, body: await parseResponse(response) };
}
