import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * Members' votes on the bot's answers (the 👍 / 👎 buttons): one row per answer and member, so
 * pressing again or changing one's mind replaces the vote. `feedback_id` and `at` are the press
 * that set it: an older or repeated press (a redelivered fact) leaves the row as it is.
 */
export class AnswerVotes1767800000000 implements MigrationInterface {
  name = 'AnswerVotes1767800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE answer_votes (
        turn_id     bigint NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
        user_id     text NOT NULL,
        helpful     boolean NOT NULL,
        feedback_id text NOT NULL,
        at          timestamptz NOT NULL,
        PRIMARY KEY (turn_id, user_id)
      )`);
    // A press names its answer by turn id (`bot:<turn id>`), not by conversation.
    await runner.query(`CREATE INDEX turns_bot_by_key ON turns (key) WHERE role = 'bot'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX turns_bot_by_key');
    await runner.query('DROP TABLE answer_votes');
  }
}
