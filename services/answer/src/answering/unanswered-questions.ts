import { Injectable } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { Rpc } from '@steward/contracts';
import type { z } from '@steward/config';

/**
 * `rpc.answer.unanswered.list`: the tenant's questions the knowledge base did not cover,
 * newest first.
 */
export const unansweredListRpc = Rpc.unansweredList;

export type UnansweredListReply = z.infer<typeof unansweredListRpc.reply>;

export interface UnansweredInput {
  requestId: string;
  tenantId: string;
  guildId: string;
  channelId: string;
  question: string;
  language: string;
}

@Injectable()
export class UnansweredQuestions {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the question once per request. */
  async record(input: UnansweredInput): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO unanswered_questions (request_id, tenant_id, guild_id, channel_id, question, language)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id) DO NOTHING`,
      [input.requestId, input.tenantId, input.guildId, input.channelId, input.question, input.language],
    );
  }

  async list(tenantId: string, limit: number): Promise<UnansweredListReply> {
    const rows = (await this.dataSource.query(
      `SELECT id, guild_id AS "guildId", channel_id AS "channelId", question, language, asked_at AS "askedAt"
       FROM unanswered_questions WHERE tenant_id = $1 ORDER BY asked_at DESC, id LIMIT $2`,
      [tenantId, limit],
    )) as {
      id: string;
      guildId: string;
      channelId: string;
      question: string;
      language: string;
      askedAt: Date;
    }[];
    return { questions: rows.map((row) => ({ ...row, askedAt: row.askedAt.toISOString() })) };
  }
}
