import type { MigrationInterface, QueryRunner } from '@steward/db';

export class CreateScheduler1770000000000 implements MigrationInterface {
  name = 'CreateScheduler1770000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE schedules (
        guild_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        application_id text NOT NULL,
        enabled boolean NOT NULL,
        channel_name text NOT NULL,
        frequency text NOT NULL,
        topics text[] NOT NULL DEFAULT '{}',
        -- Quiet hours as minutes after local midnight in time_zone; both null when there are none.
        quiet_start_minute smallint,
        quiet_end_minute smallint,
        time_zone text NOT NULL DEFAULT 'UTC',
        -- The config-guilds revision mirrored here; older revisions never overwrite newer ones.
        config_revision bigint NOT NULL,
        -- Posts are due at anchor_at + k * period; the anchor moves when the schedule is enabled or its frequency changes.
        anchor_at timestamptz NOT NULL,
        next_run_at timestamptz,
        -- Rotation through the topics: the next post is about topics[topic_cursor % length].
        topic_cursor integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL
      )`);
    await runner.query(`CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled`);
    await runner.query(`
      CREATE TABLE runs (
        run_id text PRIMARY KEY,
        guild_id text NOT NULL,
        tenant_id text NOT NULL,
        application_id text NOT NULL,
        due_at timestamptz NOT NULL,
        topic text NOT NULL,
        -- due: to be prepared; writing: the answer service writes the text; posting: egress posts it;
        -- blocked: the channel is missing or unwritable, retried at lease_until; done: final.
        state text NOT NULL,
        -- pending | posted | channel_missing | channel_unwritable | quota_exceeded | skipped | failed
        outcome text NOT NULL,
        channel_name text NOT NULL,
        channel_id text,
        text text,
        language text,
        engine text,
        similarity real,
        regenerated boolean,
        message_id text,
        error text,
        attempts integer NOT NULL DEFAULT 1,
        write_attempts integer NOT NULL DEFAULT 0,
        post_attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_until timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    // One open run per guild: a slot that comes while a post is still on its way collapses into it.
    await runner.query(`CREATE UNIQUE INDEX runs_one_open_per_guild ON runs (guild_id) WHERE state <> 'done'`);
    await runner.query(`CREATE INDEX runs_leases ON runs (lease_until) WHERE state <> 'done'`);
    await runner.query(`CREATE INDEX runs_history ON runs (tenant_id, due_at DESC, run_id DESC)`);
    await runner.query(`CREATE INDEX runs_recent_posts ON runs (guild_id, channel_id, finished_at DESC) WHERE outcome = 'posted'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE runs');
    await runner.query('DROP TABLE schedules');
  }
}
