import { Injectable } from '@nestjs/common';
import type { ModerationLogEntry, ModerationLogListRequest, ModerationOutcomeName } from '@steward/contracts';
import { DataSource, preparedQuery, type EntityManager } from '@steward/db';

/** A decision about to be logged. */
export interface NewLogEntry {
  tenantId: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  channelName: string | null;
  messageId: string;
  messageVersion: string;
  authorId: string;
  authorName: string;
  content: string;
  attachmentUrls: string[];
  action: ModerationLogEntry['action'];
  outcome: ModerationOutcomeName;
  blockReason: ModerationLogEntry['blockReason'];
  detail: string | null;
  rule: string | null;
  reason: string;
  severity: ModerationLogEntry['severity'];
  confidence: number;
  engine: string;
  fallback: boolean;
  commandId: string | null;
}

export interface LogRow extends ModerationLogEntry {
  applicationId: string;
  commandId: string | null;
}

interface DbRow {
  id: string;
  tenant_id: string;
  application_id: string;
  guild_id: string;
  channel_id: string;
  channel_name: string | null;
  message_id: string;
  message_version: string;
  author_id: string;
  author_name: string;
  content: string;
  attachment_urls: string[];
  action: LogRow['action'];
  outcome: LogRow['outcome'];
  block_reason: LogRow['blockReason'];
  detail: string | null;
  rule: string | null;
  reason: string;
  severity: LogRow['severity'];
  confidence: number;
  engine: string;
  fallback: boolean;
  command_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Why an action reads as failed when no outcome came back for it. */
export const NO_OUTCOME_DETAIL =
  'no word from Discord on this action: it may not have been carried out (the entry is updated if word comes later)';

/**
 * The detail of a timeout, kick or ban whose message is deleted along with it (delete is enabled
 * and the bot may delete there): the entry records the decision, and a redelivery carries out the
 * same one whatever the settings say by then.
 */
export const MESSAGE_DELETED_TOO = 'the message is deleted too';
/** What the entry says instead when Discord refused that delete. */
export const MESSAGE_NOT_DELETED = 'the message could not be deleted';

const FINAL_OUTCOMES: ReadonlySet<ModerationOutcomeName> = new Set(['done', 'failed', 'blocked', 'shadow', 'flagged']);

export function isFinal(outcome: ModerationOutcomeName): boolean {
  return FINAL_OUTCOMES.has(outcome);
}

const HANDLED_OUTCOMES: ReadonlySet<ModerationOutcomeName> = new Set(['pending', 'done', 'flagged']);

/**
 * The entry's action may still be carried out: it is pending, or was given up on for want of
 * news while its command may still be waiting for egress.
 */
export function awaitsOutcome(entry: Pick<LogRow, 'outcome' | 'detail'>): boolean {
  return entry.outcome === 'pending' || (entry.outcome === 'failed' && entry.detail?.startsWith(NO_OUTCOME_DETAIL) === true);
}

/** The entry's message was acted on, is being acted on, or waits for review: it is not acted on again. */
export function isHandled(entry: Pick<LogRow, 'outcome' | 'detail'>): boolean {
  return HANDLED_OUTCOMES.has(entry.outcome) || awaitsOutcome(entry);
}

/** The data source, or a transaction's entity manager. */
type Queryable = Pick<EntityManager, 'query'>;

/** The moderation log in Postgres: one entry per message version, settled by egress results. */
@Injectable()
export class ModerationLogStore {
  constructor(private readonly db: DataSource) {}

  /** Logs a decision once per message version; a second call returns the entry logged first. */
  async insertOnce(entry: NewLogEntry, db: Queryable = this.db): Promise<{ row: LogRow; created: boolean }> {
    const inserted: DbRow[] = await db.query(
      `INSERT INTO moderation_log (tenant_id, application_id, guild_id, channel_id, channel_name, message_id,
         message_version, author_id, author_name, content, attachment_urls, action, outcome, block_reason, detail,
         rule, reason, severity, confidence, engine, fallback, command_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
       ON CONFLICT (message_id, message_version) DO NOTHING
       RETURNING *`,
      [
        entry.tenantId, entry.applicationId, entry.guildId, entry.channelId, entry.channelName, entry.messageId,
        entry.messageVersion, entry.authorId, entry.authorName, entry.content, entry.attachmentUrls, entry.action,
        entry.outcome, entry.blockReason, entry.detail, entry.rule, entry.reason, entry.severity, entry.confidence,
        entry.engine, entry.fallback, entry.commandId,
      ],
    );
    if (inserted[0]) return { row: toRow(inserted[0]), created: true };
    const existing = await this.findByMessage(entry.messageId, entry.messageVersion, db);
    if (!existing) throw new Error(`moderation log entry for message ${entry.messageId} vanished`);
    return { row: existing, created: false };
  }

  private async findByMessage(messageId: string, messageVersion: string, db: Queryable): Promise<LogRow | undefined> {
    const rows: DbRow[] = await db.query('SELECT * FROM moderation_log WHERE message_id = $1 AND message_version = $2', [
      messageId,
      messageVersion,
    ]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** The message's entries, one per version judged to an action (few: edits are rarely judged twice). */
  async findVersions(messageId: string, transaction?: EntityManager): Promise<LogRow[]> {
    const sql = 'SELECT * FROM moderation_log WHERE message_id = $1 ORDER BY created_at';
    // Every judged message asks, so outside a transaction it is a prepared statement.
    const rows: DbRow[] = transaction
      ? await transaction.query(sql, [messageId])
      : (await preparedQuery<DbRow>(this.db, 'moderation_log_versions', sql, [messageId])).rows;
    return rows.map(toRow);
  }


  /**
   * Runs `work` in a transaction that holds the message's lock: versions of one message (its
   * create and its edits come through separate consumers) are decided and logged one at a time.
   */
  async withMessageLock<T>(messageId: string, work: (transaction: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (transaction) => {
      await transaction.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`moderation-message:${messageId}`]);
      return work(transaction);
    });
  }

  /**
   * Records what Discord did with the entry's command. Only a pending entry changes, or one given
   * up on for want of news (`NO_OUTCOME_DETAIL`); the entry is returned either way (undefined when
   * no entry has this command), with whether it changed now.
   */
  async settle(commandId: string, ok: boolean, detail: string | null): Promise<{ row: LogRow; changed: boolean } | undefined> {
    // Success keeps the detail as decided (why the action is what it is), without the "no word
    // from Discord" ($4) a give-up put before it; a failure keeps what became of the message
    // deleted along with the action. TypeORM answers an UPDATE with [rows, affected count].
    const decided = `NULLIF(CASE WHEN starts_with(detail, $4) THEN substr(detail, length($4) + 3) ELSE detail END, '')`;
    const [updated]: [DbRow[], number] = await this.db.query(
      `UPDATE moderation_log
       SET outcome = $2,
           detail = CASE WHEN $3::text IS NULL THEN ${decided}
                         WHEN ${decided} = $5 OR starts_with(${decided}, $6) THEN $3 || '; ' || ${decided}
                         ELSE $3 END,
           updated_at = now()
       WHERE command_id = $1 AND (outcome = 'pending' OR (outcome = 'failed' AND starts_with(detail, $4))) RETURNING *`,
      [commandId, ok ? 'done' : 'failed', detail, NO_OUTCOME_DETAIL, MESSAGE_DELETED_TOO, MESSAGE_NOT_DELETED],
    );
    if (updated[0]) return { row: toRow(updated[0]), changed: true };
    const row = await this.findByCommand(commandId);
    return row ? { row, changed: false } : undefined;
  }

  /** The entry whose action the command carries out. */
  async findByCommand(commandId: string): Promise<LogRow | undefined> {
    const rows: DbRow[] = await this.db.query('SELECT * FROM moderation_log WHERE command_id = $1', [commandId]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /**
   * Records that the delete sent along with the entry's action was refused: `MESSAGE_DELETED_TOO`
   * in its detail becomes `MESSAGE_NOT_DELETED` and why. Returns the entry when it changed.
   */
  async noteMessageNotDeleted(actionCommandId: string, why: string): Promise<LogRow | undefined> {
    const [updated]: [DbRow[], number] = await this.db.query(
      `UPDATE moderation_log SET detail = replace(detail, $3, $2), updated_at = now()
       WHERE command_id = $1 AND strpos(detail, $3) > 0 RETURNING *`,
      [actionCommandId, `${MESSAGE_NOT_DELETED}: ${why}`, MESSAGE_DELETED_TOO],
    );
    return updated[0] ? toRow(updated[0]) : undefined;
  }

  /**
   * Gives up on actions pending since before `pendingBefore`: no outcome came back for them (the
   * command was lost, or Discord is out of reach for that long). They read as failed, with
   * `NO_OUTCOME_DETAIL` before the detail they had, until an outcome arrives after all. Each is
   * given up once, whichever replica sweeps.
   */
  async giveUpPending(pendingBefore: Date, limit: number): Promise<LogRow[]> {
    const [updated]: [DbRow[], number] = await this.db.query(
      `UPDATE moderation_log SET outcome = 'failed', detail = $2 || COALESCE('; ' || detail, ''), updated_at = now()
       WHERE id IN (SELECT id FROM moderation_log WHERE outcome = 'pending' AND updated_at < $1
                    ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [pendingBefore.toISOString(), NO_OUTCOME_DETAIL, limit],
    );
    return updated.map(toRow);
  }

  /** A tenant's entries, newest first, after the cursor's position. */
  async list(filter: Omit<ModerationLogListRequest, 'limit'> & { limit: number }): Promise<{ rows: LogRow[]; nextCursor: string | null }> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [filter.tenantId];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.guildId) add('guild_id = ?', filter.guildId);
    if (filter.action) add('action = ?', filter.action);
    if (filter.outcome) add('outcome = ?', filter.outcome);
    if (filter.authorId) add('author_id = ?', filter.authorId);
    if (filter.from) add('created_at >= ?', filter.from);
    if (filter.to) add('created_at <= ?', filter.to);
    if (filter.cursor) {
      const position = decodeCursor(filter.cursor);
      params.push(position.createdAt, position.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(filter.limit + 1);
    const rows: DbRow[] = await this.db.query(
      `SELECT * FROM moderation_log WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > filter.limit && last ? encodeCursor(last) : null;
    return { rows: page.map(toRow), nextCursor };
  }
}

/** Thrown for a cursor this service did not hand out. */
export class InvalidCursorError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A time as `Date.toISOString()` writes it. */
function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}

/** created_at holds whole milliseconds (see the migration), so the cursor's ISO time is exact. */
function encodeCursor(row: DbRow): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    // Exactly as encodeCursor wrote them: anything else would fail in Postgres's casts instead.
    if (!isIsoTime(createdAt) || typeof id !== 'string' || !UUID.test(id)) throw new Error();
    return { createdAt, id };
  } catch {
    throw new InvalidCursorError('cursor is not one this service handed out');
  }
}

function toRow(row: DbRow): LogRow {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    applicationId: row.application_id,
    guildId: row.guild_id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    messageId: row.message_id,
    messageVersion: row.message_version,
    authorId: row.author_id,
    authorName: row.author_name,
    content: row.content,
    attachmentUrls: row.attachment_urls,
    action: row.action,
    outcome: row.outcome,
    blockReason: row.block_reason,
    detail: row.detail,
    rule: row.rule,
    reason: row.reason,
    severity: row.severity,
    confidence: Number(row.confidence),
    engine: row.engine,
    fallback: row.fallback,
    commandId: row.command_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
