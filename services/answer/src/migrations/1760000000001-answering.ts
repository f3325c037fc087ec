import type { MigrationInterface, QueryRunner } from '@steward/db';

/** Handled requests (idempotency), per-member conversation memory and unanswered questions. */
export class Answering1760000000001 implements MigrationInterface {
  name = 'Answering1760000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE handled_requests (
        request_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('processing', 'done')),
        lease_until timestamptz NOT NULL,
        outcome text,
        reply_command_ids text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await runner.query('CREATE INDEX handled_requests_created_idx ON handled_requests (created_at)');
    await runner.query(`
      CREATE TABLE conversation_turns (
        id bigserial PRIMARY KEY,
        request_id text NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        conversation_id text NOT NULL,
        question text NOT NULL,
        answer text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      'CREATE INDEX conversation_turns_conversation_idx ON conversation_turns (tenant_id, conversation_id, created_at)',
    );
    await runner.query('CREATE INDEX conversation_turns_created_idx ON conversation_turns (created_at)');
    await runner.query(`
      CREATE TABLE unanswered_questions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        request_id text NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        guild_id text NOT NULL,
        channel_id text NOT NULL,
        question text NOT NULL,
        language text NOT NULL,
        asked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      'CREATE INDEX unanswered_questions_tenant_idx ON unanswered_questions (tenant_id, asked_at DESC)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE unanswered_questions');
    await runner.query('DROP TABLE conversation_turns');
    await runner.query('DROP TABLE handled_requests');
  }
}
