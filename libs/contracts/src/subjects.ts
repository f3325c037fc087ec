/**
 * The bus topology: subject names, streams and KV buckets every service agrees on.
 * docs/ARCHITECTURE.md lists the same table; keep both true together.
 */

/** Facts between services (stream STEWARD). Payloads are the protobuf messages named beside them. */
export const Subjects = {
  /** AnswerRequested */
  answerRequested: 'steward.answer.requested',
  /** ConversationTurn */
  conversationTurn: 'steward.conversation.turn',
  /** ConversationEscalated */
  conversationEscalated: 'steward.conversation.escalated',
  /** AnswerFeedback */
  answerFeedback: 'steward.answer.feedback',
  /** DiscordCommandResult */
  egressResult: 'steward.egress.result',
} as const;

/** Discord's own dispatch types we route on (the JSON payload stays as Discord sent it). */
export type DiscordEventType = string;

/** Raw gateway dispatches: `discord.evt.<appId>.<guildId|dm>.<EVENT_TYPE>` (stream DISCORD_EVT). */
export function discordEventSubject(applicationId: string, guildId: string | null | undefined, type: DiscordEventType): string {
  return `discord.evt.${token(applicationId)}.${guildId ? token(guildId) : 'dm'}.${token(type)}`;
}

/** Commands for egress: `discord.cmd.<appId>.<verb>` (stream DISCORD_CMD, work queue). */
export function discordCommandSubject(applicationId: string, verb: string): string {
  return `discord.cmd.${token(applicationId)}.${token(verb)}`;
}

/** Parses a `discord.evt.*` subject back into its parts; null when it is not one. */
export function parseDiscordEventSubject(
  subject: string,
): { applicationId: string; guildId: string | null; type: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== 'discord' || parts[1] !== 'evt') return null;
  return { applicationId: parts[2]!, guildId: parts[3] === 'dm' ? null : parts[3]!, type: parts[4]! };
}

/** A stream declaration, in the shape `Bus.ensureStreams` takes. */
export interface StreamDeclaration {
  name: string;
  subjects: string[];
  retention: 'limits' | 'workqueue' | 'interest';
  maxAgeMs?: number;
  duplicateWindowMs?: number;
}

export const Streams = {
  discordEvents: {
    name: 'DISCORD_EVT',
    subjects: ['discord.evt.>'],
    retention: 'limits',
    maxAgeMs: 24 * 60 * 60 * 1000,
    duplicateWindowMs: 10 * 60 * 1000,
  },
  discordCommands: {
    name: 'DISCORD_CMD',
    subjects: ['discord.cmd.>'],
    retention: 'workqueue',
    maxAgeMs: 24 * 60 * 60 * 1000,
    duplicateWindowMs: 10 * 60 * 1000,
  },
  facts: {
    name: 'STEWARD',
    subjects: ['steward.>'],
    retention: 'limits',
    maxAgeMs: 7 * 24 * 60 * 60 * 1000,
    duplicateWindowMs: 10 * 60 * 1000,
  },
} satisfies Record<string, StreamDeclaration>;

/** A KV bucket declaration, in the shape `Bus.ensureBuckets` takes. */
export interface BucketDeclaration {
  name: string;
  history?: number;
  ttlMs?: number;
}

export const Buckets = {
  configGuilds: { name: 'config-guilds', history: 1 },
  configApps: { name: 'config-apps', history: 1 },
  gatewaySessions: { name: 'gateway-sessions', history: 1 },
  /** Each gateway replica's shards, refreshed while it runs (see gateway-status.ts). */
  gatewayStatus: { name: 'gateway-status', history: 1, ttlMs: 90_000 },
  takeover: { name: 'takeover', history: 1, ttlMs: 180_000 },
  /**
   * A key per running egress replica, refreshed while it runs: the replicas split each bot's
   * global REST limit between them (see egress's global-limit-share.ts).
   */
  egressReplicas: { name: 'egress-replicas', history: 1, ttlMs: 30_000 },
  /** Outcome of every Discord command egress performed, for exactly-once delivery (24 h). */
  egressCommands: { name: 'egress-commands', history: 1, ttlMs: 24 * 60 * 60 * 1000 },
} satisfies Record<string, BucketDeclaration>;

/** Subject tokens cannot contain dots, spaces or wildcards. */
function token(value: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`invalid subject token: ${JSON.stringify(value)}`);
  return value;
}
