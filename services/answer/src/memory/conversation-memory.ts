import { Injectable } from '@nestjs/common';
import type { HistoryTurn } from '@steward/ai';
import { DataSource } from '@steward/db';

export interface MemoryOptions {
  /** Turns (a question and its reply) remembered per conversation. */
  maxTurns: number;
  /** A conversation is forgotten this long after its last turn. */
  ttlMs: number;
}

export const DEFAULT_MEMORY: MemoryOptions = { maxTurns: 6, ttlMs: 30 * 60 * 1000 };

export interface RememberInput {
  requestId: string;
  tenantId: string;
  conversationId: string;
  question: string;
  answer: string;
}

/**
 * A member's recent questions and Steward's replies in one channel, so a follow-up ("and if
 * I no longer have that email?") is read with what came before. Turns expire.
 */
@Injectable()
export class ConversationMemory {
  private readonly options: MemoryOptions = DEFAULT_MEMORY;

  constructor(private readonly dataSource: DataSource) {}

  /** The conversation so far, oldest first, as alternating member and assistant turns. */
  async history(tenantId: string, conversationId: string): Promise<HistoryTurn[]> {
    if (!conversationId) return [];
    const rows = (await this.dataSource.query(
      `SELECT question, answer FROM (
         SELECT question, answer, id FROM conversation_turns
         WHERE tenant_id = $1 AND conversation_id = $2 AND created_at > now() - make_interval(secs => $3)
         ORDER BY id DESC LIMIT $4
       ) recent ORDER BY id`,
      [tenantId, conversationId, this.options.ttlMs / 1000, this.options.maxTurns],
    )) as { question: string; answer: string }[];
    return rows.flatMap((row) => [
      { role: 'member' as const, content: row.question },
      { role: 'assistant' as const, content: row.answer },
    ]);
  }

  /** Remembers a turn once per request, whatever the redeliveries. */
  async remember(turn: RememberInput): Promise<void> {
    if (!turn.conversationId) return;
    await this.dataSource.query(
      `INSERT INTO conversation_turns (request_id, tenant_id, conversation_id, question, answer)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id) DO NOTHING`,
      [turn.requestId, turn.tenantId, turn.conversationId, turn.question, turn.answer],
    );
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
