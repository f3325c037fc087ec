import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import {
  AnswerOrigin,
  AnswerOutcome,
  AnswerRequestedSchema,
  encode,
  MeteringRpc,
  Subjects,
  type ConversationTurn,
} from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import { Counter, metricsRegistry, type Logger } from '@steward/telemetry';
import { randomUUID } from 'node:crypto';
import { RpcClient } from '../rpc/rpc.client.js';
import type { ChatReply } from './chat.schemas.js';
import { ConversationTurns } from './conversation-turns.js';

const chatQuestions = new Counter({
  name: 'steward_admin_chat_questions_total',
  help: 'Chat API questions by result: answered, no_answer, escalated, quota_exceeded, failed, timeout',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

export interface ChatQuestion {
  tenantId: string;
  message: string;
  sessionId: string;
  /** Who asks (the API key), for the conversation's transcript. */
  authorId: string;
}

export type ChatResult =
  | { kind: 'answered'; reply: ChatReply }
  | { kind: 'quota_exceeded'; message: string; retryAfterSeconds?: number }
  | { kind: 'failed' }
  | { kind: 'timeout' };

/**
 * The answer service is told to give up a little before the caller's wait ends, so that its
 * "expired" turn (nothing generated, nothing counted) arrives while the caller still waits,
 * and an answer finished just in time is still delivered.
 */
export function answerWithinMs(waitMs: number): number {
  return waitMs - Math.min(1_000, Math.round(waitMs / 4));
}

const ANSWERED: Partial<Record<AnswerOutcome, ChatReply['outcome']>> = {
  [AnswerOutcome.ANSWERED]: 'answered',
  [AnswerOutcome.NO_ANSWER]: 'no_answer',
  [AnswerOutcome.ESCALATED]: 'escalated',
};

/**
 * The chat channel: a question goes to the answer service as an AnswerRequested (origin
 * CHAT_API), exactly like a Discord question, so it is answered from the same knowledge
 * base, remembered per session and counted on the same quota (kind and channel `api`).
 * The answer comes back as the question's ConversationTurn.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly bus: Bus,
    private readonly turns: ConversationTurns,
    private readonly rpc: RpcClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async ask(question: ChatQuestion, timeoutMs: number): Promise<ChatResult> {
    const requestId = randomUUID();
    const wait = this.turns.wait(requestId, timeoutMs);
    try {
      await this.bus.publish(
        Subjects.answerRequested,
        encode(AnswerRequestedSchema, {
          requestId,
          tenantId: question.tenantId,
          authorId: question.authorId,
          authorName: 'API',
          question: question.message,
          origin: AnswerOrigin.CHAT_API,
          conversationId: `api:${question.sessionId}`,
          receivedAtMs: BigInt(Date.now()),
          answerWithinMs: BigInt(answerWithinMs(timeoutMs)),
        }),
        { msgId: `answer-requested:${requestId}` },
      );
    } catch (error) {
      wait.cancel();
      throw error;
    }

    const turn = await wait.turn;
    const result = turn ? await this.resultOf(turn, question.sessionId) : ({ kind: 'timeout' } as const);
    chatQuestions.inc({ result: result.kind === 'answered' ? result.reply.outcome : result.kind });
    if (result.kind === 'timeout') {
      // Not answered later either: the answer service leaves a question whose asker stopped waiting.
      this.logger.warn(
        { tenantId: question.tenantId, requestId, timeoutMs },
        'chat question not answered in time',
      );
    }
    return result;
  }

  private async resultOf(turn: ConversationTurn, sessionId: string): Promise<ChatResult> {
    if (turn.outcome === AnswerOutcome.QUOTA_EXCEEDED) return this.refusal(turn.tenantId);
    if (turn.outcome === AnswerOutcome.EXPIRED) return { kind: 'timeout' };
    const outcome = ANSWERED[turn.outcome];
    if (!outcome) {
      this.logger.error(
        { requestId: turn.turnId, outcome: AnswerOutcome[turn.outcome] },
        'chat question failed',
      );
      return { kind: 'failed' };
    }
    return {
      kind: 'answered',
      reply: {
        response: turn.answer,
        session_id: sessionId,
        outcome,
        sources: turn.sources.map(({ documentId, title }) => ({ documentId, title })),
      },
    };
  }

  /** Why the tenant is out of messages, and when it gets new ones. */
  private async refusal(tenantId: string): Promise<ChatResult> {
    let usage;
    try {
      usage = await this.rpc.request(MeteringRpc.usage, { tenantId });
    } catch (error) {
      this.logger.warn({ err: error, tenantId }, 'could not read usage to explain a quota refusal');
      return { kind: 'quota_exceeded', message: 'The monthly message quota of this tenant is used up' };
    }
    if (!usage.plan) {
      return {
        kind: 'quota_exceeded',
        message: 'This tenant has no plan, so it has no messages to answer with',
      };
    }
    const plan = `${usage.plan[0]!.toUpperCase()}${usage.plan.slice(1)}`;
    if (usage.quota === 0) {
      return {
        kind: 'quota_exceeded',
        message: `The ${plan} plan includes no messages; upgrade the plan to use the chat API`,
      };
    }
    // A period's end is the first day of the next one: the day the messages renew.
    const renewal = usage.period.end;
    return {
      kind: 'quota_exceeded',
      message: `The ${usage.quota} messages of the ${plan} plan for ${usage.period.start} to ${dayBefore(renewal)} are used up; they renew on ${renewal}, or at once with a plan upgrade`,
      retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(`${renewal}T00:00:00Z`) - Date.now()) / 1000)),
    };
  }
}

/** The day before a YYYY-MM-DD date. */
function dayBefore(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}
