/**
 * Live monitoring and human takeover: the facts the takeover service publishes (protobuf
 * messages of takeover.proto), the KV key that silences the AI in a conversation, and the
 * request/reply contracts of `rpc.takeover.*` (core NATS, JSON validated with zod on both sides).
 */
import { z } from 'zod';

/** Facts of the takeover service (stream STEWARD). */
export const TakeoverSubjects = {
  /** ConversationTakenOver */
  takenOver: 'steward.conversation.taken-over',
  /** ConversationHandedBack, reason RELEASED */
  released: 'steward.conversation.released',
  /** ConversationHandedBack, reason INACTIVE */
  resumed: 'steward.conversation.resumed',
  /** ConversationMessage (agent messages, member messages while a person is in charge) */
  message: 'steward.conversation.message',
  /** ConversationMessageDelivery (whether Discord took an agent's message) */
  delivery: 'steward.conversation.delivery',
} as const;

/** Every conversation fact (turns, escalations and the takeover facts above), for live feeds. */
export const conversationFactsFilter = 'steward.conversation.>';

/** A conversation is one member in one channel (or thread): `<guildId>:<channelId>:<authorId>`. */
export const conversationIdOf = (guildId: string, channelId: string, authorId: string) =>
  `${guildId}:${channelId}:${authorId}`;
/** Conversation ids as `conversationIdOf` makes them; dm conversations use `dm` for the guild. */
export const conversationIdPattern = /^(\d{1,25}|dm):\d{1,25}:\d{1,25}$/;
const conversationId = z
  .string()
  .regex(conversationIdPattern, 'must be a conversation id (<guildId>:<channelId>:<authorId>)');

/** The key of a conversation in KV `takeover` (KV keys cannot hold ":"). */
export function takeoverKey(id: string): string {
  return id.replaceAll(':', '.');
}

/** The value under a conversation's key in KV `takeover`: present means the AI stays silent. */
export const takeoverEntry = z.object({
  conversationId: z.string(),
  tenantId: z.string(),
  /** `agent`: taken over from the dashboard; `staff`: a staff member answered in Discord. */
  by: z.enum(['agent', 'staff']),
  agentId: z.string().optional(),
  agentName: z.string().optional(),
  atMs: z.number().int(),
  /** The AI may answer again from this time on (the bucket's max age removes the key too). */
  untilMs: z.number().int(),
});
export type TakeoverEntry = z.infer<typeof takeoverEntry>;

/** Default takeover window: three minutes after the agent's last action the AI answers again. */
export const DEFAULT_TAKEOVER_WINDOW_MS = 180_000;

export const conversationStates = ['ai', 'human', 'escalated'] as const;
export type ConversationState = (typeof conversationStates)[number];

export const turnRoles = ['member', 'bot', 'agent'] as const;

const tenantId = z.string().trim().min(1, 'tenantId must not be empty').max(64);

export const agentIdentity = z.object({
  id: z.string().trim().min(1, 'agent id must not be empty').max(200),
  name: z.string().trim().min(1, 'agent name must not be empty').max(100),
});
export type AgentIdentity = z.infer<typeof agentIdentity>;

export const conversationSummary = z.object({
  id: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  state: z.enum(conversationStates),
  /** The agent in charge while the state is `human`. */
  assignedAgent: agentIdentity.nullable(),
  lastMessageAt: z.string(),
  lastQuestion: z.string().nullable(),
  takenOverAt: z.string().nullable(),
  lastAgentActivityAt: z.string().nullable(),
  /** When the AI answers again unless an agent acts (state `human` only). */
  resumesAt: z.string().nullable(),
  escalatedAt: z.string().nullable(),
});
export type ConversationSummary = z.infer<typeof conversationSummary>;

export const agentMessageDeliveries = ['sending', 'sent', 'failed'] as const;
export type AgentMessageDelivery = (typeof agentMessageDeliveries)[number];

export const transcriptTurn = z.object({
  role: z.enum(turnRoles),
  authorName: z.string(),
  content: z.string(),
  sources: z.array(z.object({ documentId: z.string(), title: z.string() })),
  at: z.string(),
  /** Members' votes on a bot turn (one per member, the latest press); null for other turns. */
  feedback: z.object({ helpful: z.number().int().min(0), notHelpful: z.number().int().min(0) }).nullish(),
  /**
   * An agent turn's way to Discord: `sending` until egress reports, then `sent` or `failed`
   * (with `deliveryError`, Discord's reason); null for other turns.
   */
  delivery: z.enum(agentMessageDeliveries).nullish(),
  deliveryError: z.string().nullish(),
});
export type TranscriptTurn = z.infer<typeof transcriptTurn>;

export const conversationDetail = conversationSummary.extend({ turns: z.array(transcriptTurn) });
export type ConversationDetail = z.infer<typeof conversationDetail>;

const target = { tenantId, conversationId };

export const TakeoverRpc = {
  /** The tenant's conversations, most recent message first, cursor-paginated. */
  list: {
    subject: 'rpc.takeover.conversations.list',
    request: z.object({
      tenantId,
      state: z.enum(conversationStates).optional(),
      limit: z.number().int().min(1).max(100).default(50),
      /** `nextCursor` of the previous page. */
      cursor: z.string().max(200).optional(),
    }),
    reply: z.object({ conversations: z.array(conversationSummary), nextCursor: z.string().nullable() }),
  },
  /** One conversation with its transcript, oldest turn first. */
  get: {
    subject: 'rpc.takeover.conversations.get',
    request: z.object(target),
    reply: conversationDetail,
  },
  /** The agent takes the conversation over: the AI stays silent in it. */
  takeover: {
    subject: 'rpc.takeover.conversations.takeover',
    request: z.object({ ...target, agent: agentIdentity }),
    reply: conversationSummary,
  },
  /** Posts the agent's message in the conversation's channel (once per requestId). */
  message: {
    subject: 'rpc.takeover.conversations.message',
    request: z.object({
      ...target,
      agent: agentIdentity,
      requestId: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,100}$/, 'requestId must be 1-100 letters, digits, "-" or "_"'),
      content: z
        .string()
        .trim()
        .min(1, 'content must not be empty')
        .max(2_000, 'content is longer than 2,000 characters'),
    }),
    reply: z.object({
      id: z.string(),
      commandId: z.string(),
      content: z.string(),
      at: z.string(),
      conversation: conversationSummary,
    }),
  },
  /** Hands the conversation back to the AI at once. */
  release: {
    subject: 'rpc.takeover.conversations.release',
    request: z.object({ ...target, agent: agentIdentity }),
    reply: conversationSummary,
  },
} as const;

export type TakeoverRpcName = keyof typeof TakeoverRpc;
export type TakeoverRequest<N extends TakeoverRpcName> = z.input<(typeof TakeoverRpc)[N]['request']>;
export type TakeoverReply<N extends TakeoverRpcName> = z.infer<(typeof TakeoverRpc)[N]['reply']>;

/** Application-facing error codes of the takeover RPCs (besides `not_found` and `bad_request`). */
export const TakeoverErrorCode = {
  /** The tenant's plan does not include live monitoring and takeover (Standard and Pro do). */
  PlanRequired: 'plan_required',
} as const;
