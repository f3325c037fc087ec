/**
 * The live feed's events, from the conversation facts on stream STEWARD: what a tenant's
 * dashboard shows as conversations happen. Facts of other tenants map to nothing.
 */
import {
  AnswerOutcome,
  ConversationEscalatedSchema,
  ConversationHandedBackSchema,
  ConversationMessageDeliverySchema,
  ConversationMessageSchema,
  ConversationTakenOverSchema,
  ConversationTurnSchema,
  decode,
  MessageRole,
  Subjects,
  TakeoverSubjects,
  type Agent,
} from '@steward/contracts';

export type LiveEventType =
  'turn' | 'message' | 'delivery' | 'takeover' | 'released' | 'resumed' | 'escalated';

export interface LiveEvent {
  type: LiveEventType;
  data: Record<string, unknown> & { conversationId: string };
}

const OUTCOMES: Record<AnswerOutcome, string> = {
  [AnswerOutcome.UNSPECIFIED]: 'unknown',
  [AnswerOutcome.ANSWERED]: 'answered',
  [AnswerOutcome.NO_ANSWER]: 'no_answer',
  [AnswerOutcome.SKIPPED]: 'skipped',
  [AnswerOutcome.ESCALATED]: 'escalated',
  [AnswerOutcome.QUOTA_EXCEEDED]: 'quota_exceeded',
  [AnswerOutcome.FAILED]: 'failed',
  [AnswerOutcome.EXPIRED]: 'expired',
};

const iso = (ms: bigint) => new Date(Number(ms)).toISOString();
const agentView = (agent: Agent | undefined) => (agent ? { id: agent.id, name: agent.name } : null);

/** The event a fact means for `tenantId`, or null (another tenant's, or nothing to show). */
export function liveEventOf(subject: string, payload: Uint8Array, tenantId: string): LiveEvent | null {
  switch (subject) {
    case Subjects.conversationTurn: {
      const turn = decode(ConversationTurnSchema, payload);
      // Chatter the bot rightly ignored, and turns outside Discord, are not conversations.
      if (turn.tenantId !== tenantId || !turn.guildId || turn.outcome === AnswerOutcome.SKIPPED) return null;
      return {
        type: 'turn',
        data: {
          conversationId: turn.conversationId,
          guildId: turn.guildId,
          channelId: turn.channelId,
          authorId: turn.authorId,
          authorName: turn.authorName,
          question: turn.question,
          answer: turn.answer,
          sources: turn.sources.map((source) => ({ documentId: source.documentId, title: source.title })),
          outcome: OUTCOMES[turn.outcome] ?? 'unknown',
          latencyMs: turn.latencyMs,
          at: iso(turn.atMs),
        },
      };
    }
    case Subjects.conversationEscalated: {
      const fact = decode(ConversationEscalatedSchema, payload);
      if (fact.tenantId !== tenantId) return null;
      return {
        type: 'escalated',
        data: {
          conversationId: fact.conversationId,
          guildId: fact.guildId,
          channelId: fact.channelId,
          authorId: fact.authorId,
          authorName: fact.authorName,
          question: fact.question,
          at: iso(fact.atMs),
        },
      };
    }
    case TakeoverSubjects.takenOver: {
      const fact = decode(ConversationTakenOverSchema, payload);
      if (fact.tenantId !== tenantId) return null;
      return {
        type: 'takeover',
        data: {
          conversationId: fact.conversationId,
          guildId: fact.guildId,
          channelId: fact.channelId,
          agent: agentView(fact.agent),
          at: iso(fact.takenOverAtMs),
          resumesAt: iso(fact.resumesAtMs),
        },
      };
    }
    case TakeoverSubjects.released:
    case TakeoverSubjects.resumed: {
      const fact = decode(ConversationHandedBackSchema, payload);
      if (fact.tenantId !== tenantId) return null;
      return {
        type: subject === TakeoverSubjects.released ? 'released' : 'resumed',
        data: {
          conversationId: fact.conversationId,
          guildId: fact.guildId,
          channelId: fact.channelId,
          agent: agentView(fact.agent),
          at: iso(fact.atMs),
        },
      };
    }
    case TakeoverSubjects.message: {
      const fact = decode(ConversationMessageSchema, payload);
      if (fact.tenantId !== tenantId) return null;
      return {
        type: 'message',
        data: {
          conversationId: fact.conversationId,
          guildId: fact.guildId,
          channelId: fact.channelId,
          role: fact.role === MessageRole.AGENT ? 'agent' : 'member',
          authorName: fact.authorName,
          content: fact.content,
          at: iso(fact.atMs),
        },
      };
    }
    case TakeoverSubjects.delivery: {
      const fact = decode(ConversationMessageDeliverySchema, payload);
      if (fact.tenantId !== tenantId) return null;
      return {
        type: 'delivery',
        data: {
          conversationId: fact.conversationId,
          guildId: fact.guildId,
          channelId: fact.channelId,
          messageId: fact.messageId,
          delivered: fact.delivered,
          error: fact.delivered ? null : fact.error,
          at: iso(fact.atMs),
        },
      };
    }
    default:
      return null;
  }
}
