/**
 * Whether a member's message needs an answer: a pure function of the message, the bot's
 * identity in that guild, the guild's settings and what was said in the channel just before.
 * Every response mode is decided here so the rules can be read, and tested, in one place.
 *
 * The rules, in order:
 * 1. Never the bot's own messages, other bots, webhooks or system messages.
 * 2. The channel's override, else the guild's `responseMode`: `off` and `ask` (only /ask)
 *    stay silent.
 * 3. An explicit @mention of the bot (or its managed role), or a reply to the bot, is answered
 *    in `mention` and in `all` mode alike: a member who addresses the bot expects an answer.
 *    No triage, no cooldown. (A conversation under human control — an agent's takeover, or a
 *    staff member's reply in Discord — gets no answer at all: the router checks KV `takeover`
 *    before this policy runs.)
 * 4. `all` mode, for every other member message:
 *    - a staff member's own message is not answered, and the bot steps back from a member a
 *      staff member replied to (or mentioned) in the last few minutes;
 *    - smart mode on (the default): the free pre-filter drops chatter and members talking to
 *      each other; the rest is asked with `triage`, so the answer service decides whether it
 *      can help before anything is posted;
 *    - smart mode off: every message is answered, once per member per channel within the
 *      cooldown (the router holds the cooldown; the decision only asks for it).
 */
import { isObviousChatter } from '@steward/ai';
import type { GuildSettings } from '@steward/contracts';
import { MessageType } from 'discord-api-types/v10';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';
import { smartPrefilter } from './smart-prefilter.js';
import { isStaff, staffIsAnswering, type RecentMessage } from './staff-step-back.js';

/** Who the bot is in the guild the message was written in. */
export interface BotIdentity {
  userId: string;
  /** The bot's managed roles in this guild (roles whose `tags.bot_id` is the bot). */
  managedRoleIds: readonly string[];
}

export type PolicySettings = Pick<
  GuildSettings,
  'responseMode' | 'channelOverrides' | 'smartMode' | 'staffRoleIds'
>;

export interface DecisionInput {
  message: DiscordMessage;
  bot: BotIdentity;
  settings: PolicySettings;
  /** Messages of the channel before this one (any order), for the staff step-back. */
  recentMessages?: readonly RecentMessage[];
  /** Overrides STAFF_STEP_BACK_MS. */
  staffStepBackMs?: number;
}

export type ChannelMode = GuildSettings['channelOverrides'][string];

/** How the question reached the bot (AnswerOrigin in the contract). */
export type AnswerTrigger = 'mention' | 'all_messages';

export type SkipReason =
  | 'own_message'
  | 'bot_author'
  | 'webhook'
  | 'system_message'
  | 'channel_off'
  | 'ask_only'
  | 'not_mentioned'
  | 'empty_question'
  | 'staff_author'
  | 'staff_answering'
  | 'chatter'
  | 'member_conversation';

export type AnswerVia = 'user_mention' | 'role_mention' | 'reply' | 'channel_message';

export type Decision =
  | {
      outcome: 'answer';
      trigger: AnswerTrigger;
      question: string;
      via: AnswerVia;
      /** Smart mode: the answer service decides first whether to reply at all. */
      triage: boolean;
      /** Smart mode off: answer only if the member's cooldown in this channel is free. */
      cooldown: boolean;
    }
  | { outcome: 'skip'; reason: SkipReason };

/** Messages members write; every other type is a system notice (joins, pins, boosts...). */
const MEMBER_MESSAGE_TYPES: ReadonlySet<number> = new Set([MessageType.Default, MessageType.Reply]);

/** The mode that applies in the message's channel: its override, else the guild's mode. */
export function channelMode(
  settings: Pick<GuildSettings, 'responseMode' | 'channelOverrides'>,
  channelId: string,
): ChannelMode {
  return settings.channelOverrides[channelId] ?? settings.responseMode;
}

export function decideResponse(input: DecisionInput): Decision {
  const { message, bot, settings } = input;
  const authorSkip = skipForAuthor(message, bot);
  if (authorSkip) return { outcome: 'skip', reason: authorSkip };

  switch (channelMode(settings, message.channel_id)) {
    case 'off':
      return { outcome: 'skip', reason: 'channel_off' };
    case 'ask':
      return { outcome: 'skip', reason: 'ask_only' };
    case 'mention':
      return decideMention(message, bot);
    case 'all':
      return decideAllMessages(input);
  }
}

function skipForAuthor(message: DiscordMessage, bot: BotIdentity): SkipReason | undefined {
  if (message.author.id === bot.userId) return 'own_message';
  if (message.webhook_id) return 'webhook';
  if (message.author.bot) return 'bot_author';
  if (!MEMBER_MESSAGE_TYPES.has(message.type)) return 'system_message';
  return undefined;
}

/**
 * Mention mode: answer when the bot (or its managed role) is mentioned, or its message is
 * replied to. A mention without a question (the mention alone, a greeting, thanks) is sent on
 * with an empty question, which the answer service meets with a free invitation to ask; a reply
 * to the bot that only thanks or reacts is left alone, not answered "I don't know" at a cost.
 */
export function decideMention(message: DiscordMessage, bot: BotIdentity): Decision {
  const via = mentionKind(message, bot);
  if (!via) return { outcome: 'skip', reason: 'not_mentioned' };
  const question = stripBotMentions(message.content, bot);
  const noQuestion = !question || isObviousChatter(question);
  if (noQuestion && via === 'reply')
    return { outcome: 'skip', reason: question ? 'chatter' : 'empty_question' };
  return {
    outcome: 'answer',
    trigger: 'mention',
    question: noQuestion ? '' : question,
    via,
    triage: false,
    cooldown: false,
  };
}

function decideAllMessages({
  message,
  bot,
  settings,
  recentMessages = [],
  staffStepBackMs,
}: DecisionInput): Decision {
  if (mentionKind(message, bot)) return decideMention(message, bot);

  if (isStaff(message.member?.roles, settings.staffRoleIds))
    return { outcome: 'skip', reason: 'staff_author' };
  const staffAnswering = staffIsAnswering({
    memberId: message.author.id,
    atMs: Date.parse(message.timestamp),
    recent: recentMessages,
    staffRoleIds: settings.staffRoleIds,
    windowMs: staffStepBackMs,
  });
  if (staffAnswering) return { outcome: 'skip', reason: 'staff_answering' };

  const question = message.content.trim();
  if (!question) return { outcome: 'skip', reason: 'empty_question' };

  if (settings.smartMode) {
    const prefilter = smartPrefilter(message, bot.userId);
    if (!prefilter.pass) return { outcome: 'skip', reason: prefilter.reason };
  }
  return {
    outcome: 'answer',
    trigger: 'all_messages',
    question,
    via: 'channel_message',
    triage: settings.smartMode,
    cooldown: !settings.smartMode,
  };
}

function mentionKind(
  message: DiscordMessage,
  bot: BotIdentity,
): Exclude<AnswerVia, 'channel_message'> | undefined {
  if (message.mentions.some((user) => user.id === bot.userId)) return 'user_mention';
  if (message.mention_roles.some((roleId) => bot.managedRoleIds.includes(roleId))) return 'role_mention';
  if (message.type === MessageType.Reply && message.referenced_message?.author.id === bot.userId)
    return 'reply';
  return undefined;
}

/**
 * Removes `<@bot>`, `<@!bot>` and `<@&managedRole>` tokens (and the comma of "@Steward, how...");
 * other mentions stay as written.
 */
export function stripBotMentions(content: string, bot: BotIdentity): string {
  return content
    .replace(/<@!?(\d+)>/g, (token, id: string) => (id === bot.userId ? ' ' : token))
    .replace(/<@&(\d+)>/g, (token, id: string) => (bot.managedRoleIds.includes(id) ? ' ' : token))
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim()
    .replace(/^[,:;]\s*/, '');
}
