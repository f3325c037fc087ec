import { USAGE_OUTBOX_COLUMNS } from '../facts/usage-fact.js';

/**
 * The reservation as one SQL statement, so it is atomic without a client-side transaction
 * and the tenant's counter row stays locked for the shortest time:
 *
 * - `counted`: +1 on the period's counter, only while `used < quota` (created on first use);
 *   skipped for a refusal and for an operation id the ledger already holds.
 * - `recorded`: the ledger row with the answer. `insert` is a plain INSERT: for a repeated
 *   operation id it fails with a unique violation, which aborts the whole statement (the
 *   increment included), and the caller replays the stored answer. `update` re-grants an
 *   operation that was released, under the caller's row lock.
 * - `fact`: the usage fact in the outbox, for a grant.
 * - `crossed`: the 80 % / 100 % rows reached by the counter (also by a refusal at a lowered
 *   quota); each is inserted once per tenant and period, whatever the concurrency.
 *
 * Parameters: $1 tenant, $2 operation, $3 kind, $4 channel, $5 period start, $6 period end,
 * $7 quota, $8 time, $9 refusal (null to count), $10 guild, $11 plan, $12 threshold
 * percentages, $13 the counts that reach them.
 */
export function reserveStatement(recording: 'insert' | 'update'): string {
  const skipKnown =
    recording === 'insert'
      ? 'AND NOT EXISTS (SELECT FROM operations WHERE tenant_id = $1 AND operation_id = $2)'
      : '';
  const state = `CASE WHEN r.used IS NULL THEN 'denied' ELSE 'granted' END`;
  const reason = `CASE WHEN r.used IS NULL THEN COALESCE($9::text, 'quota_exceeded') END`;
  const remaining = 'COALESCE($7::int - r.used, 0)';
  const grants = 'CASE WHEN r.used IS NULL THEN 0 ELSE 1 END';
  const recorded =
    recording === 'insert'
      ? `INSERT INTO operations
           (tenant_id, operation_id, kind, channel, guild_id, state, reason, remaining, period_start, period_end, grants, reserved_at)
         SELECT $1::text, $2::text, $3::text, $4::text, $10::text, ${state}, ${reason}, ${remaining},
                $5::date, $6::date, ${grants}, $8::timestamptz
         FROM result r
         RETURNING grants, kind, channel, guild_id`
      : `UPDATE operations SET
           kind = $3::text, channel = $4::text, guild_id = $10::text, state = ${state}, reason = ${reason},
           remaining = ${remaining}, period_start = $5::date, period_end = $6::date,
           grants = operations.grants + ${grants}, reserved_at = $8::timestamptz, released_at = NULL
         FROM result r
         WHERE tenant_id = $1 AND operation_id = $2
         RETURNING grants, kind, channel, guild_id`;
  return `
    WITH counted AS (
      INSERT INTO period_usage (tenant_id, period_start, period_end, quota, used)
      SELECT $1::text, $5::date, $6::date, $7::int, 1
      WHERE $7::int > 0 AND $9::text IS NULL ${skipKnown}
      ON CONFLICT (tenant_id, period_start) DO UPDATE
        SET used = period_usage.used + 1, quota = EXCLUDED.quota
        WHERE period_usage.used < EXCLUDED.quota
      RETURNING used
    ), result AS (
      SELECT (SELECT used FROM counted) AS used
    ), recorded AS (
      ${recorded}
    ), fact AS (
      INSERT INTO usage_outbox
        (change, tenant_id, operation_id, grant_no, kind, channel, guild_id, period_start, period_end, used, quota, at)
      SELECT 'granted', $1::text, $2::text, rec.grants, rec.kind, rec.channel, rec.guild_id,
             $5::date, $6::date, r.used, $7::int, $8::timestamptz
      FROM result r, recorded rec
      WHERE r.used IS NOT NULL
      RETURNING ${USAGE_OUTBOX_COLUMNS}
    ), crossed AS (
      INSERT INTO threshold_notifications (tenant_id, period_start, period_end, threshold, plan, used, quota)
      SELECT $1::text, $5::date, $6::date, t.threshold, $11::text, now_used.used, $7::int
      FROM unnest($12::int[], $13::int[]) AS t(threshold, reached_at),
           (SELECT COALESCE(r.used, (SELECT used FROM period_usage WHERE tenant_id = $1 AND period_start = $5::date)) AS used
            FROM result r) AS now_used
      WHERE $9::text IS NULL AND $7::int > 0 AND now_used.used >= t.reached_at
      ON CONFLICT (tenant_id, period_start, threshold) DO NOTHING
      RETURNING threshold, used
    )
    SELECT r.used,
           (SELECT row_to_json(fact) FROM fact) AS fact,
           (SELECT COALESCE(json_agg(crossed), '[]'::json) FROM crossed) AS crossed
    FROM result r`;
}

export const INSERT_RESERVATION = reserveStatement('insert');
export const REGRANT_RESERVATION = reserveStatement('update');
