import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * `last_increment` holds how much the latest change added to `used`. A batch of reservations
 * raises a counter by several at once; Postgres 15 cannot return a row's old value from an
 * upsert, so the statement writes the difference here and reads it back to know how many of
 * the batch's operations were granted.
 */
export class PeriodUsageLastIncrement1764000000000 implements MigrationInterface {
  name = 'PeriodUsageLastIncrement1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE period_usage ADD COLUMN last_increment integer NOT NULL DEFAULT 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE period_usage DROP COLUMN last_increment');
  }
}
