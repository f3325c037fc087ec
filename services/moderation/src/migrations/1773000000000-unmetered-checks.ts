import type { MigrationInterface, QueryRunner } from '@steward/db';

/** Checks made while metering did not answer, until metering counts them. */
export class UnmeteredChecks1773000000000 implements MigrationInterface {
  name = 'UnmeteredChecks1773000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE unmetered_checks (
        operation_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        guild_id text NOT NULL,
        next_try_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX unmetered_checks_due ON unmetered_checks (next_try_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE unmetered_checks');
  }
}
