import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcError, RpcErrorCode } from '@steward/bus';
import { z } from '@steward/config';
import { RunStore, type RunRow } from '../runs/run.store.js';
import { SchedulerRpc, type HistoryEntry, type HistoryListReply } from './history-rpc.js';

/** Answers the dashboard: what was posted when, and why a post did not appear. */
@Controller()
export class HistoryController {
  constructor(private readonly runs: RunStore) {}

  @MessagePattern(SchedulerRpc.historyList.subject)
  async list(@Payload() body: unknown): Promise<HistoryListReply> {
    const parsed = SchedulerRpc.historyList.request.safeParse(body);
    if (!parsed.success) {
      throw new RpcError(
        RpcErrorCode.BadRequest,
        `invalid ${SchedulerRpc.historyList.subject} request: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
      );
    }
    const { tenantId, guildId, limit, cursor } = parsed.data;
    const rows = await this.runs.history({ tenantId, guildId, limit: limit + 1, after: cursor ? decodeCursor(cursor) : undefined });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      entries: page.map(toEntry),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}

function toEntry(row: RunRow): HistoryEntry {
  return {
    runId: row.runId,
    guildId: row.guildId,
    dueAt: row.dueAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    topic: row.topic,
    channelName: row.channelName,
    channelId: row.channelId,
    text: row.text,
    messageId: row.messageId,
    outcome: row.outcome,
    state: row.state,
    error: row.error,
    attempts: row.attempts,
    engine: row.engine,
  };
}

function encodeCursor(row: RunRow): string {
  return Buffer.from(`${row.dueAt.toISOString()}|${row.runId}`).toString('base64url');
}

function decodeCursor(cursor: string): { dueAt: Date; runId: string } {
  const [iso, runId] = Buffer.from(cursor, 'base64url').toString().split('|');
  const dueAt = new Date(iso ?? '');
  // Exactly as encodeCursor wrote it, a year of four digits: a date JavaScript reads but Postgres cannot is refused here.
  if (!runId || !/^\d{4}-/.test(iso ?? '') || Number.isNaN(dueAt.getTime()) || dueAt.toISOString() !== iso)
    throw new RpcError(RpcErrorCode.BadRequest, 'cursor is not one this RPC returned');
  return { dueAt, runId };
}
