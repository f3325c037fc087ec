import type { MigrationInterface, QueryRunner } from '@steward/db';

export class CreateModeration1760100000000 implements MigrationInterface {
  name = 'CreateModeration1760100000000';

  async up(runner: QueryRunner): Promise<void> {
    // One row per decision that led to an action, a block, a flag or a shadow entry. The unique
    // key on the message and its version is what makes a redelivered event act once.
    await runner.query(`
      CREATE TABLE moderation_log (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id       text NOT NULL,
        application_id  text NOT NULL,
        guild_id        text NOT NULL,
        channel_id      text NOT NULL,
        channel_name    text,
        message_id      text NOT NULL,
        message_version text NOT NULL,
        author_id       text NOT NULL,
        author_name     text NOT NULL,
        content         text NOT NULL,
        attachment_urls text[] NOT NULL DEFAULT '{}',
        action          text NOT NULL CHECK (action IN ('warn', 'delete', 'timeout', 'kick', 'ban')),
        outcome         text NOT NULL CHECK (outcome IN ('pending', 'done', 'failed', 'blocked', 'shadow', 'flagged')),
        block_reason    text CHECK (block_reason IN ('hierarchy', 'owner', 'missing_permission')),
        detail          text,
        rule            text,
        reason          text NOT NULL,
        severity        text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
        confidence      real NOT NULL,
        engine          text NOT NULL,
        fallback        boolean NOT NULL DEFAULT false,
        command_id      text UNIQUE,
        -- Whole milliseconds: the list cursor carries the time as JavaScript reads it.
        created_at      timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (message_id, message_version)
      )`);
    await runner.query(`CREATE INDEX moderation_log_newest ON moderation_log (tenant_id, created_at DESC, id DESC)`);
    await runner.query(`CREATE INDEX moderation_log_by_guild ON moderation_log (tenant_id, guild_id, created_at DESC)`);
    // Kicks and bans taken per guild, counted across replicas by the circuit breaker.
    await runner.query(`
      CREATE TABLE breaker_slots (
        slot_key  text PRIMARY KEY,
        guild_id  text NOT NULL,
        taken_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX breaker_slots_by_guild ON breaker_slots (guild_id, taken_at)`);
    // Tenants whose moderation stopped for lack of quota: the row makes the stop logged once.
    await runner.query(`
      CREATE TABLE quota_stops (
        tenant_id  text PRIMARY KEY,
        reason     text NOT NULL,
        stopped_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE quota_stops');
    await runner.query('DROP TABLE breaker_slots');
    await runner.query('DROP TABLE moderation_log');
  }
}
