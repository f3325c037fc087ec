import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * A quota notice is sent once per period for each quota the tenant had in it: after an upgrade
 * in the middle of a period, the new plan's 80 % and 100 % are told too (the old plan's notices
 * no longer stand in their way).
 */
export class ThresholdNoticesPerQuota1766000000000 implements MigrationInterface {
  name = 'ThresholdNoticesPerQuota1766000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE threshold_notifications DROP CONSTRAINT threshold_notifications_pkey');
    await runner.query(
      'ALTER TABLE threshold_notifications ADD PRIMARY KEY (tenant_id, period_start, quota, threshold)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    // Keeps the first notice of each threshold in a period, as before.
    await runner.query(`
      DELETE FROM threshold_notifications n
       USING threshold_notifications earlier
       WHERE earlier.tenant_id = n.tenant_id AND earlier.period_start = n.period_start
         AND earlier.threshold = n.threshold AND earlier.created_at < n.created_at`);
    await runner.query('ALTER TABLE threshold_notifications DROP CONSTRAINT threshold_notifications_pkey');
    await runner.query(
      'ALTER TABLE threshold_notifications ADD PRIMARY KEY (tenant_id, period_start, threshold)',
    );
  }
}
