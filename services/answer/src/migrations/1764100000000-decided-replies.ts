import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * What the answer service decided to reply to a request, stored before the reply is posted:
 * a retry after a failure past that point posts and records the same reply instead of asking
 * the model again (which may answer differently, or in more parts).
 */
export class DecidedReplies1764100000000 implements MigrationInterface {
  name = 'DecidedReplies1764100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE handled_requests ADD COLUMN decided jsonb');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE handled_requests DROP COLUMN decided');
  }
}
