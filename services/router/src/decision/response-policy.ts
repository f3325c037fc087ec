/**
 * Whether a member's message needs an answer: a pure function of the message, the bot's
 * identity in that guild and the guild's settings. Every response mode is decided here so
 * the rules can be read, and tested, in one place.
 */
import type { GuildSettings } from '@steward/contracts';
import { MessageType } from 'discord-api-types/v10';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';

/** Who the bot is in the guild the message was written in. */
export interface BotIdentity {
  userId: string;
  /** The bot's managed roles in this guild (roles whose `tags.bot_id` is the bot). */
  managedRoleIds: readonly string[];
}

export interface DecisionInput {
  message: DiscordMessage;
  bot: BotIdentity;
  settings: Pick<GuildSettings, 'responseMode' | 'channelOverrides'>;
}

/** How the question reached the bot (AnswerOrigin in the contract). */
export type AnswerTrigger = 'mention';

export type SkipReason =
  | 'own_message'
  | 'bot_author'
  | 'webhook'
  | 'system_message'
  | 'channel_off'
  | 'ask_only'
  | 'not_mentioned'
  | 'empty_question';

export type Decision =
  | {
      outcome: 'answer';
      trigger: AnswerTrigger;
      question: string;
      via: 'user_mention' | 'role_mention' | 'reply';
    }
  | { outcome: 'skip'; reason: SkipReason };

/** Messages members write; every other type is a system notice (joins, pins, boosts...). */
const MEMBER_MESSAGE_TYPES: ReadonlySet<number> = new Set([MessageType.Default, MessageType.Reply]);

export function decideResponse({ message, bot, settings }: DecisionInput): Decision {
  const authorSkip = skipForAuthor(message, bot);
  if (authorSkip) return { outcome: 'skip', reason: authorSkip };

  const mode = settings.channelOverrides[message.channel_id] ?? settings.responseMode;
  switch (mode) {
    case 'off':
      return { outcome: 'skip', reason: 'channel_off' };
    case 'ask':
      return { outcome: 'skip', reason: 'ask_only' };
    case 'mention':
      return decideMention(message, bot);
    case 'all':
      // Until all-messages mode is decided here, such channels still answer mentions.
      return decideMention(message, bot);
  }
}

function skipForAuthor(message: DiscordMessage, bot: BotIdentity): SkipReason | undefined {
  if (message.author.id === bot.userId) return 'own_message';
  if (message.webhook_id) return 'webhook';
  if (message.author.bot) return 'bot_author';
  if (!MEMBER_MESSAGE_TYPES.has(message.type)) return 'system_message';
  return undefined;
}

/** Mention mode: answer when the bot (or its managed role) is mentioned, or its message is replied to. */
export function decideMention(message: DiscordMessage, bot: BotIdentity): Decision {
  const via = mentionKind(message, bot);
  if (!via) return { outcome: 'skip', reason: 'not_mentioned' };
  const question = stripBotMentions(message.content, bot);
  if (!question) return { outcome: 'skip', reason: 'empty_question' };
  return { outcome: 'answer', trigger: 'mention', question, via };
}

function mentionKind(
  message: DiscordMessage,
  bot: BotIdentity,
): 'user_mention' | 'role_mention' | 'reply' | undefined {
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
