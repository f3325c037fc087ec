/**
 * Stage 1 of smart mode: the free pre-filter. It drops messages that are obviously not a
 * question for the bot, without any model call; everything else goes on to triage (stage 2,
 * in the answer service). In doubt it lets the message through.
 */
import { isObviousChatter } from '@steward/ai';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';

export type PrefilterVerdict =
  | { pass: true }
  | {
      pass: false;
      /**
       * `chatter`: greetings, thanks, reactions, laughter, emoji only (any of the six languages).
       * `member_conversation`: the member is talking to someone else (a mention of, or a reply
       * to, another user), not to the bot.
       */
      reason: 'chatter' | 'member_conversation';
    };

export function smartPrefilter(message: DiscordMessage, botUserId: string): PrefilterVerdict {
  if (addressesSomeoneElse(message, botUserId)) return { pass: false, reason: 'member_conversation' };
  if (isObviousChatter(message.content)) return { pass: false, reason: 'chatter' };
  return { pass: true };
}

/**
 * A reply to, or a mention of, a user other than the bot and the author. Callers have already
 * answered messages that address the bot, so this only sees messages that do not.
 */
export function addressesSomeoneElse(message: DiscordMessage, botUserId: string): boolean {
  const isOther = (userId: string) => userId !== botUserId && userId !== message.author.id;
  const repliedTo = message.referenced_message?.author.id;
  if (repliedTo !== undefined && isOther(repliedTo)) return true;
  return message.mentions.some((user) => isOther(user.id));
}
