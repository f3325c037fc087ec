import { Injectable } from '@nestjs/common';
import type { HistoryTurn } from '@steward/ai';
import { DataSource, preparedQuery } from '@steward/db';

export interface MemoryOptions {
  /** Turns (a question and its reply) remembered per conversation. */
  maxTurns: number;
  /** A conversation is forgotten this long after its last turn. */
  ttlMs: number;
}

export const DEFAULT_MEMORY: MemoryOptions = { maxTurns: 6, ttlMs: 30 * 60 * 1000 };

/** A question and Steward's reply, remembered for the member's next question in the channel. */
export interface RememberedTurn {
  tenantId: string;
  conversationId: string;
  question: string;
  answer: string;
}

/**
 * A member's recent questions and Steward's replies in one channel, so a follow-up ("and if
 * I no longer have that email?") is read with what came before. Turns expire. A turn is
 * written when its request is marked done (RequestClaims.complete), in the same statement.
 */
@Injectable()
export class ConversationMemory {
  private readonly options: MemoryOptions = DEFAULT_MEMORY;

  constructor(private readonly dataSource: DataSource) {}

  /** The conversation so far, oldest first, as alternating member and assistant turns. */
  async history(tenantId: string, conversationId: string): Promise<HistoryTurn[]> {
    if (!conversationId) return [];
    const { rows } = await preparedQuery<{ question: string; answer: string }>(
      this.dataSource,
      'answer_history',
      `SELECT question, answer FROM (
         SELECT question, answer, id FROM conversation_turns
         WHERE tenant_id = $1 AND conversation_id = $2 AND created_at > now() - make_interval(secs => $3)
         ORDER BY id DESC LIMIT $4
       ) recent ORDER BY id`,
      [tenantId, conversationId, this.options.ttlMs / 1000, this.options.maxTurns],
    );
    return rows.flatMap((row) => [
      { role: 'member' as const, content: row.question },
      { role: 'assistant' as const, content: row.answer },
    ]);
  }

  /** Deletes expired turns; returns how many. */
  async forgetExpired(): Promise<number> {
    const result = (await this.dataSource.query(
      `DELETE FROM conversation_turns WHERE created_at < now() - make_interval(secs => $1)`,
      [this.options.ttlMs / 1000],
    )) as [unknown, number];
    return result[1] ?? 0;
  }
}
