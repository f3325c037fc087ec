import type { MigrationInterface, QueryRunner } from '@steward/db';

export class CreateGuildDirectory1735000000000 implements MigrationInterface {
  name = 'CreateGuildDirectory1735000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE applications (
        application_id text PRIMARY KEY,
        bot_user_id text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE guilds (
        guild_id text PRIMARY KEY,
        application_id text NOT NULL,
        name text NOT NULL,
        owner_id text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE channels (
        channel_id text PRIMARY KEY,
        guild_id text NOT NULL,
        name text NOT NULL,
        type integer NOT NULL,
        parent_id text,
        position integer NOT NULL DEFAULT 0,
        permission_overwrites jsonb NOT NULL DEFAULT '[]',
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX channels_guild ON channels (guild_id);
      CREATE INDEX channels_guild_name ON channels (guild_id, lower(name));
      CREATE TABLE roles (
        role_id text PRIMARY KEY,
        guild_id text NOT NULL,
        name text NOT NULL,
        position integer NOT NULL,
        permissions text NOT NULL,
        managed boolean NOT NULL DEFAULT false,
        bot_id text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX roles_guild ON roles (guild_id);
      CREATE TABLE bot_members (
        guild_id text NOT NULL,
        application_id text NOT NULL,
        user_id text NOT NULL,
        role_ids text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (guild_id, application_id)
      );
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE bot_members, roles, channels, guilds, applications');
  }
}
