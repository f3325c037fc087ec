/**
 * The conversations and their transcripts in schema `takeover`. Every write is idempotent:
 * turns are keyed by their source (member:<discord message id>, bot:<turn id>,
 * agent:<request id>), so a redelivered fact changes nothing.
 */
import { Injectable } from '@nestjs/common';
import { RpcError, RpcErrorCode } from '@steward/bus';
import type { AgentMessageDelivery, ConversationState, ConversationSummary, TranscriptTurn } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { query, transaction, type Sql } from '../sql.js';

const AGENT_TURN_KEY_PREFIX = 'agent:';

/** The turn key of an agent's message, by the request id the agent sent it with. */
export function agentTurnKey(requestId: string): string {
  return `${AGENT_TURN_KEY_PREFIX}${requestId}`;
}

export interface ConversationRow {
  id: string;
  tenant_id: string;
  application_id: string | null;
  guild_id: string;
  channel_id: string;
  author_id: string;
  author_name: string;
  state: ConversationState;
  assigned_agent_id: string | null;
  assigned_agent_name: string | null;
  taken_over_at: Date | null;
  last_agent_activity_at: Date | null;
  escalated_at: Date | null;
  last_question: string | null;
  last_message_at: Date;
}

interface TurnRow {
  role: TranscriptTurn['role'];
  author_name: string;
  content: string;
  sources: Array<{ documentId: string; title: string }>;
  at: Date;
  helpful: number | null;
  not_helpful: number | null;
  delivery: AgentMessageDelivery | null;
  delivery_error: string | null;
}

/** Where a conversation is in Discord and who started it. */
export interface ConversationOrigin {
  id: string;
  tenantId: string;
  applicationId?: string;
  guildId: string;
  channelId: string;
  authorId: string;
  authorName: string;
}

export interface NewTurn {
  key: string;
  role: TranscriptTurn['role'];
  authorName: string;
  content: string;
  sources?: Array<{ documentId: string; title: string }>;
  outcome?: string;
  latencyMs?: number;
  commandId?: string;
  /** Agent turns: `sending` until egress reports on the command. */
  delivery?: AgentMessageDelivery;
  at: Date;
}

/** The agent message a delivery report settled, and the conversation it was written in. */
export interface SettledDelivery {
  conversation: ConversationRow;
  /** The agent message's request id (its turn key is `agent:<request id>`). */
  messageId: string;
}

/** A member's press of an answer's feedback button. */
export interface Vote {
  tenantId: string;
  turnId: string;
  userId: string;
  feedbackId: string;
  helpful: boolean;
  at: Date;
}

/**
 * What became of a vote: `recorded` (new, or newer than the member's last one), `unchanged`
 * (a redelivered or older press), `other_tenant` (the answer is not in a conversation of the
 * vote's tenant) or `no_turn` (no such answer recorded, or not yet).
 */
export type VoteOutcome = 'recorded' | 'unchanged' | 'other_tenant' | 'no_turn';

/** In an upsert: the stored conversation belongs to another tenant than the turn arriving. */
const HANDED_OVER = 'conversations.tenant_id <> EXCLUDED.tenant_id';

/** Millisecond precision everywhere: timestamps round-trip through ISO strings (cursors) unchanged. */
export const NOW_MS = `date_trunc('milliseconds', now())`;

@Injectable()
export class ConversationStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Creates the conversation or brings its origin and last activity up to date. A turn of
   * another tenant (the server was linked to it since) hands the conversation over: it starts
   * afresh for that tenant, in the AI's hands, and shows only the turns from then on.
   */
  async upsert(
    sql: Sql,
    origin: ConversationOrigin,
    at: Date,
    lastQuestion?: string,
  ): Promise<ConversationRow> {
    const [row] = await sql<ConversationRow>(
      `INSERT INTO conversations (id, tenant_id, application_id, guild_id, channel_id, author_id, author_name,
                                  last_question, last_message_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET
         tenant_id = EXCLUDED.tenant_id,
         application_id = COALESCE(EXCLUDED.application_id, conversations.application_id),
         author_name = CASE WHEN EXCLUDED.author_name <> '' THEN EXCLUDED.author_name ELSE conversations.author_name END,
         last_question = CASE WHEN ${HANDED_OVER} THEN EXCLUDED.last_question
                              WHEN EXCLUDED.last_message_at >= conversations.last_message_at
                              THEN COALESCE(EXCLUDED.last_question, conversations.last_question)
                              ELSE conversations.last_question END,
         last_message_at = CASE WHEN ${HANDED_OVER} THEN EXCLUDED.last_message_at
                                ELSE GREATEST(conversations.last_message_at, EXCLUDED.last_message_at) END,
         tenant_since = CASE WHEN ${HANDED_OVER} THEN EXCLUDED.last_message_at ELSE conversations.tenant_since END,
         state = CASE WHEN ${HANDED_OVER} THEN 'ai' ELSE conversations.state END,
         ${['assigned_agent_id', 'assigned_agent_name', 'taken_over_at', 'last_agent_activity_at', 'escalated_at', 'last_escalation_email_at']
           .map((column) => `${column} = CASE WHEN ${HANDED_OVER} THEN NULL ELSE conversations.${column} END,`)
           .join('\n         ')}
         updated_at = now()
       RETURNING *`,
      [
        origin.id,
        origin.tenantId,
        origin.applicationId || null,
        origin.guildId,
        origin.channelId,
        origin.authorId,
        origin.authorName,
        lastQuestion ?? null,
        at.toISOString(),
      ],
    );
    return row!;
  }

  /** Adds a turn once; false when a turn with the same key is already there. */
  async addTurn(sql: Sql, conversationId: string, turn: NewTurn): Promise<boolean> {
    const inserted = await sql(
      `INSERT INTO turns (conversation_id, key, role, author_name, content, sources, outcome, latency_ms, command_id, delivery, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (conversation_id, key) DO NOTHING
       RETURNING id`,
      [
        conversationId,
        turn.key,
        turn.role,
        turn.authorName,
        turn.content,
        JSON.stringify(turn.sources ?? []),
        turn.outcome ?? null,
        turn.latencyMs ?? null,
        turn.commandId ?? null,
        turn.delivery ?? null,
        turn.at.toISOString(),
      ],
    );
    if (inserted.length > 0) {
      await sql(
        `UPDATE conversations SET last_message_at = GREATEST(last_message_at, $2), updated_at = now() WHERE id = $1`,
        [conversationId, turn.at.toISOString()],
      );
    }
    return inserted.length > 0;
  }

  /**
   * Keeps the member's vote on the answer, if the answer is in a conversation of the vote's
   * tenant (and dates from that tenant's time in it). The latest press counts, whatever order
   * the presses arrive in; the same press again changes nothing.
   */
  async vote(vote: Vote): Promise<VoteOutcome> {
    const [result] = await query<{ found: boolean; owned: boolean; changed: boolean }>(
      this.db,
      `WITH answer AS (
         SELECT t.id, c.tenant_id = $2 AND t.at >= COALESCE(c.tenant_since, '-infinity') AS owned
         FROM turns t JOIN conversations c ON c.id = t.conversation_id
         WHERE t.key = $1 AND t.role = 'bot'
       ), stored AS (
         INSERT INTO answer_votes (turn_id, user_id, helpful, feedback_id, at)
         SELECT id, $3, $4, $5, $6 FROM answer WHERE owned
         ON CONFLICT (turn_id, user_id) DO UPDATE
           SET helpful = EXCLUDED.helpful, feedback_id = EXCLUDED.feedback_id, at = EXCLUDED.at
           WHERE answer_votes.feedback_id <> EXCLUDED.feedback_id
             AND (EXCLUDED.at, EXCLUDED.feedback_id) > (answer_votes.at, answer_votes.feedback_id)
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM answer) AS found,
              EXISTS (SELECT 1 FROM answer WHERE owned) AS owned,
              EXISTS (SELECT 1 FROM stored) AS changed`,
      [
        `bot:${vote.turnId}`,
        vote.tenantId,
        vote.userId,
        vote.helpful,
        vote.feedbackId,
        vote.at.toISOString(),
      ],
    );
    if (!result?.found) return 'no_turn';
    if (!result.owned) return 'other_tenant';
    return result.changed ? 'recorded' : 'unchanged';
  }

  /** The conversation, locked for the rest of the transaction; not_found for another tenant's id. */
  async lock(sql: Sql, tenantId: string, id: string): Promise<ConversationRow> {
    const [row] = await sql<ConversationRow>(
      'SELECT * FROM conversations WHERE id = $1 AND tenant_id = $2 FOR UPDATE',
      [id, tenantId],
    );
    if (!row) throw new RpcError(RpcErrorCode.NotFound, `no conversation ${id}`);
    return row;
  }

  /** A conversation by id alone (facts from Discord carry no tenant). */
  async find(id: string): Promise<ConversationRow | undefined> {
    const [row] = await query<ConversationRow>(this.db, 'SELECT * FROM conversations WHERE id = $1', [id]);
    return row;
  }

  async list(input: {
    tenantId: string;
    state?: ConversationState;
    limit: number;
    cursor?: string;
  }): Promise<{ conversations: ConversationRow[]; nextCursor: string | null }> {
    const params: unknown[] = [input.tenantId];
    const where = ['tenant_id = $1'];
    if (input.state) {
      params.push(input.state);
      where.push(`state = $${params.length}`);
    }
    if (input.cursor) {
      const { at, id } = decodeCursor(input.cursor);
      params.push(at, id);
      where.push(`(last_message_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(input.limit + 1);
    const rows = await query<ConversationRow>(
      this.db,
      `SELECT * FROM conversations WHERE ${where.join(' AND ')}
       ORDER BY last_message_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      conversations: page,
      nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
    };
  }

  /**
   * Records what egress reported for the command of `tenantId`'s agent message (`error`: why it
   * was not delivered, null when it was). `unknown`: no
   * agent message has that command (its commit is still to come); `elsewhere`: the message is
   * no longer in the tenant's view (the server moved to another tenant since). A report
   * repeated (a redelivery) writes the same again.
   */
  async settleDelivery(
    commandId: string,
    tenantId: string,
    delivered: boolean,
    error: string | null,
  ): Promise<SettledDelivery | 'unknown' | 'elsewhere'> {
    const [row] = await query<ConversationRow & { turn_key: string }>(
      this.db,
      // A statement that returns rows (a bare UPDATE … RETURNING comes back as [rows, count]).
      `WITH settled AS (
         UPDATE turns t SET delivery = $2, delivery_error = $3
         FROM conversations c
         WHERE c.id = t.conversation_id AND t.role = 'agent' AND t.command_id = $1
           AND c.tenant_id = $4 AND t.at >= COALESCE(c.tenant_since, '-infinity')
         RETURNING t.conversation_id, t.key
       )
       SELECT c.*, settled.key AS turn_key FROM settled JOIN conversations c ON c.id = settled.conversation_id`,
      [commandId, delivered ? 'sent' : 'failed', error, tenantId],
    );
    if (!row) {
      const known = await query(this.db, `SELECT 1 FROM turns WHERE role = 'agent' AND command_id = $1`, [commandId]);
      return known.length > 0 ? 'elsewhere' : 'unknown';
    }
    const { turn_key: key, ...conversation } = row;
    return { conversation, messageId: key.slice(AGENT_TURN_KEY_PREFIX.length) };
  }

  /**
   * The tenant's conversation and its transcript as of one moment (one snapshot, so a turn
   * recorded meanwhile is either in both, with the last question it brought, or in neither).
   */
  async detail(
    conversationId: string,
    tenantId: string,
  ): Promise<{ conversation: ConversationRow; turns: TranscriptTurn[] } | undefined> {
    return transaction(
      this.db,
      async (sql) => {
        const [conversation] = await sql<ConversationRow>(
          'SELECT * FROM conversations WHERE id = $1 AND tenant_id = $2',
          [conversationId, tenantId],
        );
        if (!conversation) return undefined;
        return { conversation, turns: await this.transcript(conversationId, tenantId, 500, sql) };
      },
      'REPEATABLE READ',
    );
  }

  /** The tenant's turns of the conversation, oldest first (none once it was handed to another tenant). */
  async transcript(
    conversationId: string,
    tenantId: string,
    limit = 500,
    sql: Sql = (text, params) => query(this.db, text, params),
  ): Promise<TranscriptTurn[]> {
    const rows = await sql<TurnRow>(
      `SELECT recent.*, votes.helpful, votes.not_helpful FROM (
         SELECT t.role, t.author_name, t.content, t.sources, t.at, t.id, t.delivery, t.delivery_error
         FROM turns t JOIN conversations c ON c.id = t.conversation_id
         WHERE t.conversation_id = $1 AND c.tenant_id = $2 AND t.at >= COALESCE(c.tenant_since, '-infinity')
         ORDER BY t.at DESC, t.id DESC LIMIT $3
       ) recent
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE v.helpful)::int AS helpful, count(*) FILTER (WHERE NOT v.helpful)::int AS not_helpful
         FROM answer_votes v WHERE v.turn_id = recent.id
       ) votes ON recent.role = 'bot'
       ORDER BY recent.at, recent.id`,
      [conversationId, tenantId, limit],
    );
    return rows.map((row) => ({
      role: row.role,
      authorName: row.author_name,
      content: row.content,
      sources: row.sources.map((source) => ({ documentId: source.documentId, title: source.title })),
      at: row.at.toISOString(),
      feedback: row.role === 'bot' ? { helpful: row.helpful ?? 0, notHelpful: row.not_helpful ?? 0 } : null,
      delivery: row.delivery,
      deliveryError: row.delivery_error,
    }));
  }
}

/** The API view of a conversation; `windowMs` tells when the AI resumes. */
export function conversationSummary(row: ConversationRow, windowMs: number): ConversationSummary {
  const human = row.state === 'human';
  return {
    id: row.id,
    guildId: row.guild_id,
    channelId: row.channel_id,
    authorId: row.author_id,
    authorName: row.author_name,
    state: row.state,
    assignedAgent:
      human && row.assigned_agent_id
        ? { id: row.assigned_agent_id, name: row.assigned_agent_name ?? '' }
        : null,
    lastMessageAt: row.last_message_at.toISOString(),
    lastQuestion: row.last_question,
    takenOverAt: row.taken_over_at?.toISOString() ?? null,
    lastAgentActivityAt: row.last_agent_activity_at?.toISOString() ?? null,
    resumesAt:
      human && row.last_agent_activity_at
        ? new Date(row.last_agent_activity_at.getTime() + windowMs).toISOString()
        : null,
    escalatedAt: row.escalated_at?.toISOString() ?? null,
  };
}

function encodeCursor(row: ConversationRow): string {
  return Buffer.from(JSON.stringify([row.last_message_at.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    // The time exactly as encodeCursor wrote it: anything else would fail in Postgres's cast instead.
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at)) && new Date(at).toISOString() === at)
      return { at, id };
  } catch {
    // falls through to the error below
  }
  throw new RpcError(RpcErrorCode.BadRequest, 'cursor is not one this API returned');
}
