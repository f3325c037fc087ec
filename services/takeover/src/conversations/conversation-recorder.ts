/**
 * Builds conversations and transcripts from what happens elsewhere: AI turns
 * (`steward.conversation.turn`), escalations (`steward.conversation.escalated`), members'
 * votes on answers (`steward.answer.feedback`) and, while a person is in charge and the AI is
 * silent, the member's own messages from Discord.
 */
import { Inject, Injectable } from '@nestjs/common';
import { PermanentError } from '@steward/bus';
import { z } from '@steward/config';
import {
  AnswerOutcome,
  conversationIdOf,
  conversationIdPattern,
  MessageRole,
  type AnswerFeedback,
  type ConversationEscalated,
  type ConversationTurn,
} from '@steward/contracts';
import { DataSource } from '@steward/db';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { EscalationMailer } from '../escalation/escalation-mailer.js';
import { escalationEmails, factsConsumed } from '../metrics.js';
import { PlanEntitlements } from '../plans/plan-entitlements.js';
import { transaction } from '../sql.js';
import { TakeoverFacts } from '../takeover/takeover-facts.js';
import { ConversationStore, type ConversationRow } from './conversation.store.js';

/** One escalation e-mail per conversation within this long. */
const ESCALATION_EMAIL_INTERVAL = '1 hour';

const snowflake = z.string().regex(/^\d{1,25}$/);
/** The fields of a MESSAGE_CREATE dispatch a member message needs. */
const memberMessage = z.object({
  id: snowflake,
  channel_id: snowflake,
  guild_id: snowflake.optional(),
  content: z.string(),
  timestamp: z.string().refine((value) => !Number.isNaN(Date.parse(value))),
  author: z.object({
    id: snowflake,
    username: z.string(),
    global_name: z.string().nullish(),
    bot: z.boolean().optional(),
  }),
  member: z.object({ nick: z.string().nullish() }).optional(),
  webhook_id: snowflake.optional(),
});

const OUTCOME_NAMES: Partial<Record<AnswerOutcome, string>> = {
  [AnswerOutcome.ANSWERED]: 'answered',
  [AnswerOutcome.NO_ANSWER]: 'no_answer',
  [AnswerOutcome.ESCALATED]: 'escalated',
  [AnswerOutcome.QUOTA_EXCEEDED]: 'quota_exceeded',
  [AnswerOutcome.FAILED]: 'failed',
};

@Injectable()
export class ConversationRecorder {
  constructor(
    private readonly db: DataSource,
    private readonly conversations: ConversationStore,
    private readonly facts: TakeoverFacts,
    private readonly entitlements: PlanEntitlements,
    private readonly mailer: EscalationMailer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A question and what the AI did with it: the member's message and the bot's reply. */
  async recordTurn(turn: ConversationTurn): Promise<void> {
    // Discord conversations only.
    if (!turn.guildId || !conversationIdPattern.test(turn.conversationId)) {
      factsConsumed.inc({ kind: 'turn', outcome: 'ignored' });
      return;
    }
    const answeredAt = new Date(Number(turn.atMs) || Date.now());
    const askedAt = new Date(answeredAt.getTime() - turn.latencyMs);
    if (turn.outcome === AnswerOutcome.SKIPPED) {
      // Chatter the bot rightly ignored, or a question it left to the person in charge. The
      // latter may have been written before the takeover, when its MESSAGE_CREATE was not kept.
      const known = turn.question ? await this.conversations.find(turn.conversationId) : null;
      const kept =
        known?.state === 'human' &&
        known.tenant_id === turn.tenantId &&
        (await this.addMemberMessage(known, {
          messageId: turn.questionMessageId || `turn:${turn.turnId}`,
          authorName: turn.authorName,
          content: turn.question,
          at: askedAt,
        }));
      factsConsumed.inc({ kind: 'turn', outcome: kept ? 'recorded' : 'ignored' });
      return;
    }
    await transaction(this.db, async (sql) => {
      const row = await this.conversations.upsert(
        sql,
        {
          id: turn.conversationId,
          tenantId: turn.tenantId,
          applicationId: turn.applicationId,
          guildId: turn.guildId,
          channelId: turn.channelId,
          authorId: turn.authorId,
          authorName: turn.authorName,
        },
        askedAt,
        turn.question || undefined, // a mention without a question leaves the last one
      );
      if (turn.question) {
        await this.conversations.addTurn(sql, row.id, {
          key: `member:${turn.questionMessageId || `turn:${turn.turnId}`}`,
          role: 'member',
          authorName: turn.authorName,
          content: turn.question,
          at: askedAt,
        });
      }
      if (turn.answer) {
        await this.conversations.addTurn(sql, row.id, {
          key: `bot:${turn.turnId}`,
          role: 'bot',
          authorName: 'Steward',
          content: turn.answer,
          sources: turn.sources.map((source) => ({ documentId: source.documentId, title: source.title })),
          outcome: OUTCOME_NAMES[turn.outcome],
          latencyMs: turn.latencyMs,
          commandId: turn.replyCommandId || undefined,
          at: answeredAt,
        });
      }
    });
    factsConsumed.inc({ kind: 'turn', outcome: 'recorded' });
  }

  /**
   * A member asked for a person: the conversation is flagged (unless an agent has it already)
   * and, on plans with escalation, an e-mail is queued — at most one per conversation an hour.
   */
  async recordEscalation(fact: ConversationEscalated): Promise<void> {
    if (!fact.tenantId || !fact.guildId || !conversationIdPattern.test(fact.conversationId)) {
      throw new PermanentError(
        `ConversationEscalated without a tenant, guild or valid conversation id (${JSON.stringify(fact.conversationId)})`,
      );
    }
    const features = await this.entitlements.features(fact.tenantId);
    const at = new Date(Number(fact.atMs) || Date.now());
    const queued = await transaction(this.db, async (sql) => {
      const row = await this.conversations.upsert(
        sql,
        {
          id: fact.conversationId,
          tenantId: fact.tenantId,
          guildId: fact.guildId,
          channelId: fact.channelId,
          authorId: fact.authorId,
          authorName: fact.authorName,
        },
        at,
        fact.question,
      );
      await sql(
        `UPDATE conversations SET state = CASE WHEN state = 'human' THEN state ELSE 'escalated' END,
                escalated_at = $2, updated_at = now()
         WHERE id = $1`,
        [row.id, at.toISOString()],
      );
      if (!features.escalation) return 'plan';
      const due = await sql(
        `UPDATE conversations SET last_escalation_email_at = now()
         WHERE id = $1 AND (last_escalation_email_at IS NULL OR last_escalation_email_at <= now() - interval '${ESCALATION_EMAIL_INTERVAL}')
         RETURNING id`,
        [row.id],
      );
      if (due.length === 0) return 'throttled';
      await sql(
        `INSERT INTO escalation_emails (conversation_id, tenant_id, guild_id, author_name, question, escalated_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          row.id,
          fact.tenantId,
          fact.guildId,
          fact.authorName || row.author_name,
          fact.question,
          at.toISOString(),
        ],
      );
      return 'queued';
    });
    escalationEmails.inc({ outcome: queued });
    factsConsumed.inc({ kind: 'escalated', outcome: 'recorded' });
    this.logger.info(
      { tenantId: fact.tenantId, conversationId: fact.conversationId, email: queued },
      'member asked for a person: conversation escalated',
    );
    if (queued === 'queued') this.mailer.kick();
  }

  /**
   * A member pressed 👍 or 👎 under an answer. The press may overtake the answer's own turn
   * (another consumer): until the turn is recorded it fails, and JetStream redelivers it later.
   */
  async recordFeedback(fact: AnswerFeedback): Promise<void> {
    if (!fact.feedbackId || !fact.tenantId || !fact.turnId || !fact.userId) {
      throw new PermanentError(
        `AnswerFeedback without a feedback, tenant, turn or user id (${JSON.stringify(fact.feedbackId)})`,
      );
    }
    // Like their turns, answers outside a server (direct messages) have no transcript here.
    if (!fact.guildId) {
      factsConsumed.inc({ kind: 'feedback', outcome: 'ignored' });
      return;
    }
    const outcome = await this.conversations.vote({
      tenantId: fact.tenantId,
      turnId: fact.turnId,
      userId: fact.userId,
      feedbackId: fact.feedbackId,
      helpful: fact.helpful,
      at: new Date(Number(fact.atMs) || Date.now()),
    });
    if (outcome === 'no_turn') throw new Error(`answer ${fact.turnId} is not recorded yet`);
    if (outcome === 'other_tenant') {
      this.logger.info(
        { tenantId: fact.tenantId, turnId: fact.turnId },
        "feedback on an answer outside the tenant's conversations: not counted",
      );
    }
    factsConsumed.inc({ kind: 'feedback', outcome: outcome === 'other_tenant' ? 'ignored' : 'recorded' });
  }

  /** A member's message in Discord, kept only while a person is in charge (the AI records the rest). */
  async recordMemberMessage(dispatch: unknown): Promise<void> {
    const parsed = memberMessage.safeParse(dispatchData(dispatch));
    if (!parsed.success) {
      throw new PermanentError(
        `malformed MESSAGE_CREATE dispatch: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
      );
    }
    const message = parsed.data;
    if (!message.guild_id || message.author.bot || message.webhook_id || !message.content.trim()) {
      factsConsumed.inc({ kind: 'member_message', outcome: 'ignored' });
      return;
    }
    const conversationId = conversationIdOf(message.guild_id, message.channel_id, message.author.id);
    const known = await this.conversations.find(conversationId);
    if (!known || known.state !== 'human') {
      factsConsumed.inc({ kind: 'member_message', outcome: 'ignored' });
      return;
    }
    await this.addMemberMessage(known, {
      messageId: message.id,
      authorName: message.member?.nick || message.author.global_name || message.author.username,
      content: withoutLeadingMentions(message.content),
      at: new Date(message.timestamp),
    });
    factsConsumed.inc({ kind: 'member_message', outcome: 'recorded' });
  }

  /**
   * Keeps a member's message in the transcript of a conversation a person is in charge of, and
   * shows it on the live feed; once per message, whichever of its facts (the dispatch, the
   * answer service's turn) comes first. False when it was kept already.
   */
  private addMemberMessage(
    conversation: ConversationRow,
    message: { messageId: string; authorName: string; content: string; at: Date },
  ): Promise<boolean> {
    const { messageId, authorName, content, at } = message;
    return transaction(this.db, async (sql) => {
      const added = await this.conversations.addTurn(sql, conversation.id, {
        key: `member:${messageId}`,
        role: 'member',
        authorName,
        content,
        at,
      });
      if (!added) return false;
      await sql('UPDATE conversations SET last_question = $2 WHERE id = $1', [conversation.id, content]);
      await this.facts.message(conversation, {
        messageId,
        role: MessageRole.MEMBER,
        authorName,
        content,
        at,
      });
      return true;
    });
  }
}

/** "@Steward, where is…" reads as "where is…" in a transcript, as the answer path shows questions. */
function withoutLeadingMentions(content: string): string {
  return content.replace(/^(?:\s*<@[!&]?\d+>[\s,:;]*)+/, '').trim() || content.trim();
}

/** The gateway publishes a dispatch's data (`d`); a whole frame is accepted too. */
function dispatchData(payload: unknown): unknown {
  if (typeof payload === 'object' && payload !== null && 'op' in payload && 'd' in payload) {
    return (payload as { d: unknown }).d;
  }
  return payload;
}
