import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import type { CommandVerb } from '@steward/contracts';

/** Why a command did not succeed, and whether trying again later can help. */
export interface CommandFailure {
  /** 5xx after the client's own retries, timeouts, network errors: worth another delivery. */
  retryable: boolean;
  /** 0 when Discord gave no answer. */
  httpStatus: number;
  discordCode: number;
  /** One line for people: moderation's log and troubleshooting show it as it is. */
  reason: string;
}

/** What a 50013 means for each verb, in the words a server owner needs to fix it. */
const MISSING_PERMISSION: Record<CommandVerb, string> = {
  send: 'the bot cannot send messages in this channel',
  edit: 'the bot cannot edit this message',
  delete: 'the bot cannot delete this message (needs Manage Messages)',
  typing: 'the bot cannot send messages in this channel',
  'interaction-callback': 'the bot cannot respond to this interaction here',
  'edit-original': 'the bot cannot edit its response to this interaction',
  timeout:
    "the bot cannot time out this member (needs Moderate Members and a top role above the member's; " +
    'the owner and administrators cannot be timed out)',
  kick: "the bot cannot kick this member (needs Kick Members and a top role above the member's; never the owner)",
  ban: "the bot cannot ban this member (needs Ban Members and a top role above the member's; never the owner)",
  thread: 'the bot cannot start a thread here (needs Create Public Threads and Send Messages in Threads)',
};

/** Discord JSON error codes we explain; anything else is reported with Discord's own message. */
const KNOWN_CODES: Record<number, string> = {
  10003: 'unknown channel: it was deleted or the bot cannot see it',
  10004: 'unknown guild: the bot is not in this server',
  10007: 'unknown member: the user is not (or no longer) a member of this server',
  10008: 'unknown message: it was deleted or never existed',
  10013: 'unknown user',
  10015: 'unknown webhook: the interaction response no longer exists',
  10062:
    'unknown interaction: its token expired or is not valid (a response is due within 3 s, edits within 15 min)',
  40060: 'the interaction has already been acknowledged',
  50001: 'missing access: the bot cannot see this channel or server (needs View Channel)',
  50005: 'cannot edit a message written by someone else',
  50006: 'cannot send an empty message',
  50024: 'this cannot be done in this kind of channel',
  50027: 'invalid webhook token: the interaction token expired or is not valid',
  160004: 'a thread has already been started from this message',
};

export function describeFailure(error: unknown, verb: CommandVerb): CommandFailure {
  if (error instanceof DiscordAPIError) {
    const code = typeof error.code === 'number' ? error.code : 0;
    // 408 and 429 only reach here when the client gave up waiting; the rest is Discord's verdict.
    const retryable = error.status === 408 || error.status === 429;
    return {
      retryable,
      httpStatus: error.status,
      discordCode: code,
      reason: explainRefusal(verb, error, code),
    };
  }
  if (error instanceof HTTPError) {
    return {
      retryable: true,
      httpStatus: error.status,
      discordCode: 0,
      reason: `Discord failed with HTTP ${error.status} ${error.message} on every attempt`,
    };
  }
  if (error instanceof RateLimitError) {
    return {
      retryable: true,
      httpStatus: 429,
      discordCode: 0,
      reason: `rate limited by Discord for ${Math.ceil(error.retryAfter / 1000)} s`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = error instanceof Error && error.name === 'AbortError';
  return {
    retryable: true,
    httpStatus: 0,
    discordCode: 0,
    reason: timedOut ? 'Discord did not answer in time' : `Discord could not be reached: ${message}`,
  };
}

function explainRefusal(verb: CommandVerb, error: DiscordAPIError, code: number): string {
  if (code === 50013) return `missing permission: ${MISSING_PERMISSION[verb]} (Discord 50013)`;
  if (KNOWN_CODES[code]) return `${KNOWN_CODES[code]} (Discord ${code})`;
  const discordMessage = error.message.replace(/\s*\n\s*/g, '; ');
  if (error.status === 401) return 'unauthorized: Discord rejected the bot token (was it reset?) (HTTP 401)';
  if (code === 50035) return `invalid request: ${discordMessage} (Discord 50035)`;
  return `Discord refused the request: ${discordMessage} (HTTP ${error.status}${code ? `, Discord ${code}` : ''})`;
}
