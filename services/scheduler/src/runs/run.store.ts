import { Injectable } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { quietUntil, SCHEDULE_COLUMNS, type ScheduleRow } from '../schedules/schedule.store.js';
import { frequencyMs, nextSlot } from '../schedules/timing.js';
import { runIdFor } from './proactive-subjects.js';

export type RunState = 'due' | 'writing' | 'posting' | 'blocked' | 'done';
export type RunOutcome =
  | 'pending'
  | 'posted'
  | 'channel_missing'
  | 'channel_unwritable'
  | 'discord_unavailable'
  | 'quota_exceeded'
  | 'skipped'
  | 'failed';

export interface RunRow {
  runId: string;
  guildId: string;
  tenantId: string;
  applicationId: string;
  dueAt: Date;
  topic: string;
  state: RunState;
  outcome: RunOutcome;
  channelName: string;
  channelId: string | null;
  text: string | null;
  language: string | null;
  engine: string | null;
  similarity: number | null;
  regenerated: boolean | null;
  messageId: string | null;
  error: string | null;
  attempts: number;
  writeAttempts: number;
  postAttempts: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const RUN_COLUMNS = `run_id AS "runId", guild_id AS "guildId", tenant_id AS "tenantId", application_id AS "applicationId",
  due_at AS "dueAt", topic, state, outcome, channel_name AS "channelName", channel_id AS "channelId", text, language,
  engine, similarity, regenerated, message_id AS "messageId", error, attempts, write_attempts AS "writeAttempts",
  post_attempts AS "postAttempts", lease_owner AS "leaseOwner", lease_until AS "leaseUntil", created_at AS "createdAt",
  updated_at AS "updatedAt", finished_at AS "finishedAt"`;

/** The run's schedule is still on: checked when its text arrives, in the same statement. */
const SCHEDULE_ENABLED = `EXISTS (SELECT 1 FROM schedules WHERE schedules.guild_id = runs.guild_id AND schedules.enabled)`;

/** A post's text as the answer service wrote it. */
export interface WrittenPost {
  text: string;
  language: string;
  engine: string;
  similarity: number;
  regenerated: boolean;
}

export interface StartedRuns {
  started: RunRow[];
  /** Slots that came while an earlier post of the guild was still on its way. */
  collapsed: number;
  /** Slots moved to the end of the schedule's quiet hours. */
  deferred: number;
  /** Slots recorded as skipped at once (no topics configured). */
  skipped: number;
  /** Posts a Discord outage held back, given up for the slot that replaced them. */
  superseded: number;
}

export interface HistoryQuery {
  tenantId: string;
  guildId?: string;
  limit: number;
  after?: { dueAt: Date; runId: string };
}

/**
 * The runs table: one row per post (due slot), from claim to outcome. Every change is a
 * conditional UPDATE on the state the caller expects, so concurrent replicas, redelivered
 * facts and late results can never move a run twice.
 */
@Injectable()
export class RunStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims every due schedule that no other replica holds (`FOR UPDATE SKIP LOCKED`) and, in the
   * same transaction, creates its run and moves the schedule to its next slot: a slot becomes
   * exactly one run whatever the number of replicas. The new runs are leased to `owner`.
   */
  async startDueRuns(now: Date, owner: string, leaseMs: number, limit: number): Promise<StartedRuns> {
    const result: StartedRuns = { started: [], collapsed: 0, deferred: 0, skipped: 0, superseded: 0 };
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const due = (await runner.query(
        `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE enabled AND next_run_at <= $1
         ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      )) as ScheduleRow[];
      for (const schedule of due) {
        const moveTo = (next: Date, cursor = schedule.topicCursor) =>
          runner.query(`UPDATE schedules SET next_run_at = $2, topic_cursor = $3 WHERE guild_id = $1`, [
            schedule.guildId,
            next,
            cursor,
          ]);
        const next = nextSlot(schedule.anchorAt, frequencyMs(schedule.frequency), now);
        const quietEnds = quietUntil(schedule, now);
        if (quietEnds) {
          await moveTo(quietEnds);
          result.deferred++;
          continue;
        }
        // A post a Discord outage held back (and no replica is trying right now) gives way to
        // this slot, which posts afresh; its message of quota is given back.
        const superseded = rowsOf(
          await runner.query(
            `UPDATE runs SET state = 'done', outcome = 'failed', finished_at = $2, lease_until = NULL,
               release_reservation = true, updated_at = $2,
               error = 'Discord was unavailable until the next post was due, which replaces this one'
             WHERE guild_id = $1 AND state = 'blocked' AND outcome = 'discord_unavailable' AND lease_owner IS NULL
             RETURNING ${RUN_COLUMNS}`,
            [schedule.guildId, now],
          ),
        );
        result.superseded += superseded.length;
        const open = (await runner.query(`SELECT 1 FROM runs WHERE guild_id = $1 AND state <> 'done'`, [
          schedule.guildId,
        ])) as unknown[];
        if (open.length > 0) {
          await moveTo(next);
          result.collapsed++;
          continue;
        }
        const runId = runIdFor(schedule.guildId, schedule.nextRunAt!);
        const topics = schedule.topics;
        const base = [runId, schedule.guildId, schedule.tenantId, schedule.applicationId, schedule.nextRunAt, schedule.channelName, now];
        if (topics.length === 0) {
          await runner.query(
            `INSERT INTO runs (run_id, guild_id, tenant_id, application_id, due_at, channel_name, created_at, updated_at,
               finished_at, topic, state, outcome, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, '', 'done', 'skipped', $8) ON CONFLICT DO NOTHING`,
            [...base, 'no topics are configured for proactive messages; add at least one topic'],
          );
          await moveTo(next);
          result.skipped++;
          continue;
        }
        const topic = topics[schedule.topicCursor % topics.length]!;
        const inserted = (await runner.query(
          `INSERT INTO runs (run_id, guild_id, tenant_id, application_id, due_at, channel_name, created_at, updated_at,
             topic, state, outcome, lease_owner, lease_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, 'due', 'pending', $9, $10)
           ON CONFLICT DO NOTHING RETURNING ${RUN_COLUMNS}`,
          [...base, topic, owner, new Date(now.getTime() + leaseMs)],
        )) as RunRow[];
        await moveTo(next, schedule.topicCursor + 1);
        result.started.push(...inserted);
      }
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Takes over open runs whose lease ran out: the replica that held them died or stalled, or a
   * blocked run's retry time came. Each is leased to `owner` alone.
   */
  async takeOverExpired(now: Date, owner: string, leaseMs: number, limit: number): Promise<RunRow[]> {
    const result = (await this.dataSource.query(
      `UPDATE runs SET lease_owner = $2, lease_until = $3, attempts = attempts + 1, updated_at = $1
       WHERE run_id IN (
         SELECT run_id FROM runs WHERE state <> 'done' AND lease_until <= $1
         ORDER BY lease_until LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING ${RUN_COLUMNS}`,
      [now, owner, new Date(now.getTime() + leaseMs), limit],
    )) as unknown;
    return rowsOf(result);
  }

  /** The owner resolved the channel and asks for the text (one more write attempt). */
  async startWriting(run: RunRow, owner: string, channel: { id: string; name: string }, now: Date, leaseUntil: Date) {
    return this.ownerUpdate(
      run,
      owner,
      `state = 'writing', channel_id = $5, channel_name = $6, write_attempts = write_attempts + 1, lease_until = $7, error = NULL`,
      [channel.id, channel.name, leaseUntil],
      now,
    );
  }

  /** The owner posts a text written earlier again (after a blocked channel was fixed). */
  async startPosting(run: RunRow, owner: string, channel: { id: string; name: string }, now: Date, leaseUntil: Date) {
    return this.ownerUpdate(
      run,
      owner,
      `state = 'posting', channel_id = $5, channel_name = $6, post_attempts = post_attempts + 1, lease_until = $7`,
      [channel.id, channel.name, leaseUntil],
      now,
    );
  }

  /** The owner found the channel missing or unwritable: try again at `retryAt`, whoever is free then. */
  async block(run: RunRow, owner: string, outcome: RunOutcome, error: string, channelName: string, now: Date, retryAt: Date) {
    return this.ownerUpdate(
      run,
      owner,
      `state = 'blocked', outcome = $5, error = $6, channel_name = $7, lease_owner = NULL, lease_until = $8`,
      [outcome, error, channelName, retryAt],
      now,
    );
  }

  /** The owner leaves the run as it is until `until` (the end of quiet hours), whoever is free then. */
  async defer(run: RunRow, owner: string, now: Date, until: Date) {
    return this.ownerUpdate(run, owner, `lease_owner = NULL, lease_until = $5`, [until], now);
  }

  /**
   * The text arrived during quiet hours: it is kept and the run waits, still writing, until
   * `until`; whoever is free then posts it (or ends the run if posts were turned off).
   */
  async keepText(runId: string, post: WrittenPost, until: Date, now: Date): Promise<RunRow | undefined> {
    return this.first(
      `UPDATE runs SET text = $3, language = $4, engine = $5, similarity = $6, regenerated = $7,
         lease_owner = NULL, lease_until = $8, updated_at = $2
       WHERE run_id = $1 AND state = 'writing' AND text IS NULL AND ${SCHEDULE_ENABLED}
       RETURNING ${RUN_COLUMNS}`,
      [runId, now, post.text, post.language, post.engine, post.similarity, post.regenerated, until],
    );
  }

  /**
   * The owner ends the run without a post. Its message is given back: a run may hold one it
   * reserved on an earlier attempt whose record was lost (a reply that timed out, a crash), and
   * metering gives back only what it granted, once.
   */
  async finish(run: RunRow, owner: string, outcome: RunOutcome, error: string | null, now: Date) {
    return this.ownerUpdate(
      run,
      owner,
      `state = 'done', outcome = $5, error = $6, finished_at = $1, lease_owner = NULL, lease_until = NULL,
       release_reservation = true`,
      [outcome, error],
      now,
    );
  }

  /**
   * The answer service wrote the text: the run moves on to posting (once, whoever receives the
   * fact), unless proactive posts were turned off meanwhile.
   */
  async written(runId: string, post: WrittenPost, now: Date, leaseUntil: Date): Promise<RunRow | undefined> {
    return this.first(
      `UPDATE runs SET state = 'posting', text = $3, language = $4, engine = $5, similarity = $6, regenerated = $7,
         post_attempts = post_attempts + 1, lease_until = $8, updated_at = $2
       WHERE run_id = $1 AND state = 'writing' AND text IS NULL AND ${SCHEDULE_ENABLED}
       RETURNING ${RUN_COLUMNS}`,
      [runId, now, post.text, post.language, post.engine, post.similarity, post.regenerated, leaseUntil],
    );
  }

  /**
   * The text arrived after proactive posts were turned off (or the schedule was removed): the
   * run ends without a post and its message is to be given back.
   */
  async skipTurnedOff(runId: string, error: string, now: Date): Promise<RunRow | undefined> {
    return this.first(
      `UPDATE runs SET state = 'done', outcome = 'skipped', error = $3, finished_at = $2, lease_owner = NULL,
         lease_until = NULL, release_reservation = true, updated_at = $2
       WHERE run_id = $1 AND state = 'writing' AND NOT ${SCHEDULE_ENABLED}
       RETURNING ${RUN_COLUMNS}`,
      [runId, now, error],
    );
  }

  /** Egress posted attempt `attempt`: the run is done. False when it was settled before. */
  async posted(runId: string, attempt: number, messageId: string, now: Date): Promise<RunRow | undefined> {
    return this.first(
      `UPDATE runs SET state = 'done', outcome = 'posted', message_id = $4, error = NULL, finished_at = $2,
         lease_owner = NULL, lease_until = NULL, updated_at = $2
       WHERE run_id = $1 AND state = 'posting' AND post_attempts = $3
       RETURNING ${RUN_COLUMNS}`,
      [runId, now, attempt, messageId],
    );
  }

  /**
   * Egress could not post attempt `attempt`; a blocked run is retried at `retryAt`, a failed one
   * ends and its message is to be given back.
   */
  async postRefused(
    runId: string,
    attempt: number,
    outcome: RunOutcome,
    error: string,
    now: Date,
    retryAt: Date | null,
  ): Promise<RunRow | undefined> {
    return this.first(
      `UPDATE runs SET state = CASE WHEN $6::timestamptz IS NULL THEN 'done' ELSE 'blocked' END,
         outcome = $4, error = $5, lease_owner = NULL, lease_until = $6,
         finished_at = CASE WHEN $6::timestamptz IS NULL THEN $2::timestamptz END,
         release_reservation = $6::timestamptz IS NULL, updated_at = $2
       WHERE run_id = $1 AND state = 'posting' AND post_attempts = $3
       RETURNING ${RUN_COLUMNS}`,
      [runId, now, attempt, outcome, error, retryAt],
    );
  }

  /** Runs that ended without a post and still hold a message of the tenant's quota, oldest first. */
  async reservationsToRelease(limit: number): Promise<{ runId: string; tenantId: string }[]> {
    return (await this.dataSource.query(
      `SELECT run_id AS "runId", tenant_id AS "tenantId" FROM runs WHERE release_reservation
       ORDER BY finished_at LIMIT $1`,
      [limit],
    )) as { runId: string; tenantId: string }[];
  }

  /** Metering gave the run's message back (or had nothing to give back). */
  async reservationReleased(runId: string): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET release_reservation = false WHERE run_id = $1`, [runId]);
  }

  /** The texts last posted in the channel by the guild's schedule, newest first. */
  async recentPosts(guildId: string, channelId: string, limit: number): Promise<string[]> {
    if (limit === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT text FROM runs WHERE guild_id = $1 AND channel_id = $2 AND outcome = 'posted'
       ORDER BY finished_at DESC LIMIT $3`,
      [guildId, channelId, limit],
    )) as { text: string }[];
    return rows.map((row) => row.text);
  }

  async history(query: HistoryQuery): Promise<RunRow[]> {
    const conditions = ['tenant_id = $1'];
    const parameters: unknown[] = [query.tenantId];
    if (query.guildId) {
      parameters.push(query.guildId);
      conditions.push(`guild_id = $${parameters.length}`);
    }
    if (query.after) {
      parameters.push(query.after.dueAt, query.after.runId);
      conditions.push(`(due_at, run_id) < ($${parameters.length - 1}, $${parameters.length})`);
    }
    parameters.push(query.limit);
    return (await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE ${conditions.join(' AND ')}
       ORDER BY due_at DESC, run_id DESC LIMIT $${parameters.length}`,
      parameters,
    )) as RunRow[];
  }

  /**
   * A step of the lease owner, from the run as it read it (`$1` now, `$2` run id, `$3` owner,
   * `$4` state read; `set` numbers its values from `$5`). A fact may have moved the run on since
   * (its text arrived while a takeover was resolving the channel): then nothing changes.
   */
  private ownerUpdate(run: RunRow, owner: string, set: string, values: unknown[], now: Date): Promise<RunRow | undefined> {
    return this.first(
      `UPDATE runs SET ${set}, updated_at = $1 WHERE run_id = $2 AND lease_owner = $3 AND state = $4
       RETURNING ${RUN_COLUMNS}`,
      [now, run.runId, owner, run.state, ...values],
    );
  }

  private async first(sql: string, parameters: unknown[]): Promise<RunRow | undefined> {
    const result = (await this.dataSource.query(sql, parameters)) as unknown;
    return rowsOf(result)[0];
  }
}

/**
 * TypeORM's postgres driver returns `[rows, affectedCount]` for UPDATE ... RETURNING and the
 * rows alone for INSERT/SELECT.
 */
function rowsOf(result: unknown): RunRow[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as RunRow[];
  }
  return result as RunRow[];
}
