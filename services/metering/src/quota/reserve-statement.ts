import { USAGE_OUTBOX_COLUMNS } from '../facts/usage-fact.js';

/** The count at which `quota` reaches a threshold percentage: 80 % of 2,500 is 2,000, rounded up. */
const reachedAt = (quota: string) => `ceil(${quota} * threshold / 100.0)::int`;

/**
 * New reservations, many at once, as one SQL statement: atomic without a client-side
 * transaction, and one round trip for a whole batch.
 *
 * - `input`: the batch, one row per operation (`ord` is its position); operation ids are unique
 *   within a batch.
 * - `fresh`: the operations the ledger does not hold yet. Two batches racing with the same new
 *   operation id both count it here, and the ledger's primary key then fails one of them as a
 *   whole (increments included); the caller replays those operations one by one.
 * - `counted`: per tenant and period, the counter rises by as many as were asked for, up to the
 *   quota (created on first use). `last_increment` records how many that was, since an upsert
 *   in Postgres 15 cannot return the old value; refusals and zero quotas are not counted.
 * - `decided`: the first `last_increment` operations of each tenant, in batch order, are granted;
 *   each gets the counter value its grant reached.
 * - `recorded`, `fact`: the ledger rows with their answers, and a usage fact per grant.
 * - `crossed`: the 80 % / 100 % rows the counters reached (also when a lowered quota refuses),
 *   with the count that reached them; each is inserted once per tenant, period and quota,
 *   whatever the concurrency.
 *
 * Counter rows are locked in (tenant, period) order, so concurrent batches never deadlock on them.
 *
 * Parameters, one array element per operation: $1 tenant, $2 operation, $3 kind, $4 channel,
 * $5 guild, $6 period start, $7 period end, $8 quota, $9 refusal (null to count), $10 plan,
 * $11 the time it arrived (its period is the one of that time); then $12 the threshold
 * percentages.
 */
export const RESERVE_BATCH = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[],
                         $8::int[], $9::text[], $10::text[], $11::timestamptz[])
      WITH ORDINALITY AS i(tenant_id, operation_id, kind, channel, guild_id, period_start, period_end,
                           quota, refusal, plan, at, ord)
  ), fresh AS (
    SELECT i.* FROM input i
    -- OFFSET 0 keeps this a lookup per operation (by the ledger's key once the ledger is more
    -- than a few pages): as an anti join, a plan made while the ledger was empty hashed the
    -- whole ledger on every batch.
    WHERE NOT EXISTS (SELECT FROM operations o
                      WHERE o.tenant_id = i.tenant_id AND o.operation_id = i.operation_id OFFSET 0)
  ), wanted AS (
    SELECT tenant_id, period_start, min(period_end) AS period_end, min(quota) AS quota, min(plan) AS plan,
           count(*)::int AS n
    FROM fresh WHERE refusal IS NULL AND quota > 0
    GROUP BY tenant_id, period_start
  ), counted AS (
    INSERT INTO period_usage AS pu (tenant_id, period_start, period_end, quota, used, last_increment)
    SELECT tenant_id, period_start, period_end, quota, LEAST(n, quota), LEAST(n, quota)
    FROM wanted ORDER BY tenant_id, period_start
    ON CONFLICT (tenant_id, period_start) DO UPDATE SET
      quota = EXCLUDED.quota,
      used = GREATEST(pu.used, LEAST(pu.used + EXCLUDED.used, EXCLUDED.quota)),
      last_increment = GREATEST(pu.used, LEAST(pu.used + EXCLUDED.used, EXCLUDED.quota)) - pu.used
    RETURNING tenant_id, period_start, used, quota, last_increment
  ), ranked AS (
    SELECT ord, row_number() OVER (PARTITION BY tenant_id, period_start ORDER BY ord)::int AS rank
    FROM fresh WHERE refusal IS NULL AND quota > 0
  ), decided AS (
    SELECT f.*, CASE WHEN r.rank <= c.last_increment THEN c.used - c.last_increment + r.rank END AS used
    FROM fresh f
    LEFT JOIN ranked r ON r.ord = f.ord
    LEFT JOIN counted c ON c.tenant_id = f.tenant_id AND c.period_start = f.period_start
  ), recorded AS (
    INSERT INTO operations
      (tenant_id, operation_id, kind, channel, guild_id, state, reason, remaining, period_start, period_end, grants, reserved_at)
    SELECT tenant_id, operation_id, kind, channel, guild_id,
           CASE WHEN used IS NULL THEN 'denied' ELSE 'granted' END,
           CASE WHEN used IS NULL THEN COALESCE(refusal, 'quota_exceeded') END,
           COALESCE(quota - used, 0), period_start, period_end,
           CASE WHEN used IS NULL THEN 0 ELSE 1 END, at
    FROM decided
  ), fact AS (
    INSERT INTO usage_outbox
      (change, tenant_id, operation_id, grant_no, kind, channel, guild_id, period_start, period_end, used, quota, at)
    SELECT 'granted', tenant_id, operation_id, 1, kind, channel, guild_id, period_start, period_end, used, quota, at
    FROM decided WHERE used IS NOT NULL
    RETURNING ${USAGE_OUTBOX_COLUMNS}
  ), crossed AS (
    INSERT INTO quota_notices (tenant_id, period_start, period_end, threshold, plan, used, quota)
    SELECT c.tenant_id, c.period_start, w.period_end, t.threshold, w.plan,
           -- the count that reached it: mid-batch, the threshold's own count
           CASE WHEN c.used - c.last_increment < t.reached_at THEN t.reached_at ELSE c.used END,
           c.quota
    FROM counted c
    JOIN wanted w ON w.tenant_id = c.tenant_id AND w.period_start = c.period_start
    CROSS JOIN LATERAL (SELECT threshold, ${reachedAt('c.quota')} AS reached_at
                        FROM unnest($12::int[]) AS threshold) AS t
    WHERE c.used >= t.reached_at
    ON CONFLICT (tenant_id, period_start, quota, threshold) DO NOTHING
    RETURNING tenant_id, threshold, used
  )
  SELECT (SELECT COALESCE(json_agg(json_build_object('ord', ord, 'used', used)), '[]'::json) FROM decided) AS decided,
         (SELECT COALESCE(json_agg(fact), '[]'::json) FROM fact) AS facts,
         (SELECT COALESCE(json_agg(crossed), '[]'::json) FROM crossed) AS crossed`;

/**
 * A released operation reserved again (its work was retried): the same counting as a new one,
 * as an update of its ledger row, under the caller's lock on that row.
 *
 * Parameters: $1 tenant, $2 operation, $3 kind, $4 channel, $5 period start, $6 period end,
 * $7 quota, $8 time, $9 refusal (null to count), $10 guild, $11 plan, $12 threshold
 * percentages.
 */
export const REGRANT_RESERVATION = `
  WITH counted AS (
    INSERT INTO period_usage (tenant_id, period_start, period_end, quota, used)
    SELECT $1::text, $5::date, $6::date, $7::int, 1
    WHERE $7::int > 0 AND $9::text IS NULL
    ON CONFLICT (tenant_id, period_start) DO UPDATE
      SET used = period_usage.used + 1, quota = EXCLUDED.quota
      WHERE period_usage.used < EXCLUDED.quota
    RETURNING used
  ), result AS (
    SELECT (SELECT used FROM counted) AS used
  ), recorded AS (
    UPDATE operations SET
      kind = $3::text, channel = $4::text, guild_id = $10::text,
      state = CASE WHEN r.used IS NULL THEN 'denied' ELSE 'granted' END,
      reason = CASE WHEN r.used IS NULL THEN COALESCE($9::text, 'quota_exceeded') END,
      remaining = COALESCE($7::int - r.used, 0), period_start = $5::date, period_end = $6::date,
      grants = operations.grants + CASE WHEN r.used IS NULL THEN 0 ELSE 1 END,
      reserved_at = $8::timestamptz, released_at = NULL
    FROM result r
    WHERE tenant_id = $1 AND operation_id = $2
    RETURNING grants, kind, channel, guild_id
  ), fact AS (
    INSERT INTO usage_outbox
      (change, tenant_id, operation_id, grant_no, kind, channel, guild_id, period_start, period_end, used, quota, at)
    SELECT 'granted', $1::text, $2::text, rec.grants, rec.kind, rec.channel, rec.guild_id,
           $5::date, $6::date, r.used, $7::int, $8::timestamptz
    FROM result r, recorded rec
    WHERE r.used IS NOT NULL
    RETURNING ${USAGE_OUTBOX_COLUMNS}
  ), crossed AS (
    INSERT INTO quota_notices (tenant_id, period_start, period_end, threshold, plan, used, quota)
    SELECT $1::text, $5::date, $6::date, t.threshold, $11::text, now_used.used, $7::int
    FROM (SELECT threshold, ${reachedAt('$7::int')} AS reached_at FROM unnest($12::int[]) AS threshold) AS t,
         (SELECT COALESCE(r.used, (SELECT used FROM period_usage WHERE tenant_id = $1 AND period_start = $5::date)) AS used
          FROM result r) AS now_used
    WHERE $9::text IS NULL AND $7::int > 0 AND now_used.used >= t.reached_at
    ON CONFLICT (tenant_id, period_start, quota, threshold) DO NOTHING
    RETURNING threshold, used
  )
  SELECT r.used,
         (SELECT row_to_json(fact) FROM fact) AS fact,
         (SELECT COALESCE(json_agg(crossed), '[]'::json) FROM crossed) AS crossed
  FROM result r`;
