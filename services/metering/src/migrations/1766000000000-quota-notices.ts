import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * Quota notices move to `quota_notices`, keyed by period, threshold and quota: after an upgrade
 * in the middle of a period, the new plan's 80 % and 100 % are told too.
 *
 * A new table rather than a new key on `threshold_notifications`: during a rolling upgrade the
 * previous release's pods still insert there with `ON CONFLICT (tenant_id, period_start,
 * threshold)`, which needs that key, and would fail every reservation without it. The old table
 * is left to them, and dropped by a later release.
 */
export class QuotaNotices1766000000000 implements MigrationInterface {
  name = 'QuotaNotices1766000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE quota_notices (LIKE threshold_notifications INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
    );
    await runner.query(
      'ALTER TABLE quota_notices ADD PRIMARY KEY (tenant_id, period_start, quota, threshold)',
    );
    await runner.query(
      `CREATE INDEX quota_notices_due ON quota_notices (next_attempt_at) WHERE status = 'pending'`,
    );
    // What was noticed already is not noticed again.
    await runner.query('INSERT INTO quota_notices SELECT * FROM threshold_notifications');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE quota_notices');
  }
}
