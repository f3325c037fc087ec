import type { MigrationInterface, QueryRunner } from '@steward/db';

/** The pending actions sweep reads only pending entries, oldest first. */
export class PendingIndex1772000000000 implements MigrationInterface {
  name = 'PendingIndex1772000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX moderation_log_pending ON moderation_log (updated_at) WHERE outcome = 'pending'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX moderation_log_pending');
  }
}
