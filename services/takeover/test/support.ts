import { Bus, RpcError } from '@steward/bus';
import {
  AnswerFeedbackSchema,
  AnswerOrigin,
  AnswerOutcome,
  ConversationEscalatedSchema,
  ConversationTurnSchema,
  discordEventSubject,
  encode,
  Subjects,
  TakeoverRpc,
  type TakeoverReply,
  type TakeoverRequest,
  type TakeoverRpcName,
} from '@steward/contracts';
import { randomInt } from 'node:crypto';

/** A fresh Discord-looking id. */
export function snowflake(): string {
  return String(
    100_000_000_000_000_000n + BigInt(randomInt(1, 2 ** 47)) * 1_000n + BigInt(randomInt(0, 1000)),
  );
}

/** Calls a takeover RPC the way admin-api does: JSON over NATS request/reply. */
export function takeoverClient(bus: Bus) {
  return <N extends TakeoverRpcName>(name: N, body: TakeoverRequest<N>): Promise<TakeoverReply<N>> =>
    bus.requestJson<TakeoverReply<N>>(TakeoverRpc[name].subject, body, { timeoutMs: 10_000 });
}

export async function rpcErrorOf(call: Promise<unknown>): Promise<RpcError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

export interface Place {
  tenantId: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  authorId: string;
  authorName: string;
}

export const conversationIdOf = (place: Place) => `${place.guildId}:${place.channelId}:${place.authorId}`;

/** Publishes the gateway's MESSAGE_CREATE of the member's message, written now. */
export async function publishMemberMessage(
  bus: Bus,
  place: Place,
  message: { id: string; content: string; nick?: string },
): Promise<void> {
  await bus.publishJson(discordEventSubject(place.applicationId, place.guildId, 'MESSAGE_CREATE'), {
    id: message.id,
    channel_id: place.channelId,
    guild_id: place.guildId,
    type: 0,
    content: message.content,
    timestamp: new Date().toISOString(),
    author: { id: place.authorId, username: place.authorName },
    member: { nick: message.nick ?? null, roles: [] },
    mentions: [],
    mention_roles: [],
  });
}

/** Publishes what the answer service publishes after answering a question; resolves to the turn id. */
export async function publishTurn(
  bus: Bus,
  place: Place,
  turn: { messageId: string; question: string; answer: string; outcome?: AnswerOutcome; sources?: string[] },
): Promise<string> {
  const turnId = `msg:${turn.messageId}`;
  await bus.publish(
    Subjects.conversationTurn,
    encode(ConversationTurnSchema, {
      turnId,
      tenantId: place.tenantId,
      applicationId: place.applicationId,
      guildId: place.guildId,
      channelId: place.channelId,
      conversationId: conversationIdOf(place),
      questionMessageId: turn.messageId,
      authorId: place.authorId,
      authorName: place.authorName,
      question: turn.question,
      answer: turn.answer,
      sources: (turn.sources ?? []).map((title, n) => ({ documentId: `doc-${n}`, title, score: 0.9 })),
      outcome: turn.outcome ?? AnswerOutcome.ANSWERED,
      engine: 'offline',
      language: 'en',
      latencyMs: 420,
      atMs: BigInt(Date.now()),
      replyCommandId: `reply:${turnId}:1`,
      origin: AnswerOrigin.MENTION,
    }),
    { msgId: `turn:${turnId}` },
  );
  return turnId;
}

/**
 * Publishes what the interactions service publishes when a member presses a feedback button.
 * Every publish has its own Nats-Msg-Id, so the stream's duplicate window lets copies through.
 */
export async function publishFeedback(
  bus: Bus,
  place: Place,
  press: { feedbackId: string; turnId: string; userId: string; helpful: boolean; atMs: number },
): Promise<void> {
  await bus.publish(
    Subjects.answerFeedback,
    encode(AnswerFeedbackSchema, {
      feedbackId: press.feedbackId,
      tenantId: place.tenantId,
      guildId: place.guildId,
      channelId: place.channelId,
      turnId: press.turnId,
      userId: press.userId,
      helpful: press.helpful,
      atMs: BigInt(press.atMs),
    }),
    { msgId: `feedback:${press.feedbackId}:${snowflake()}` },
  );
}

export async function publishEscalation(
  bus: Bus,
  place: Place,
  question: string,
  requestId: string,
): Promise<void> {
  await bus.publish(
    Subjects.conversationEscalated,
    encode(ConversationEscalatedSchema, {
      tenantId: place.tenantId,
      guildId: place.guildId,
      channelId: place.channelId,
      conversationId: conversationIdOf(place),
      authorId: place.authorId,
      authorName: place.authorName,
      question,
      atMs: BigInt(Date.now()),
    }),
    { msgId: `escalated:${requestId}` },
  );
}
