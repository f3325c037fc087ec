import type { MigrationInterface, QueryRunner } from '@steward/db';

export class CreateChannelMessages1736000000000 implements MigrationInterface {
  name = 'CreateChannelMessages1736000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE channel_messages (
        channel_id text NOT NULL,
        message_id bigint NOT NULL,
        guild_id text NOT NULL,
        author_id text NOT NULL,
        author_name text NOT NULL,
        author_is_bot boolean NOT NULL,
        author_role_ids text[] NOT NULL DEFAULT '{}',
        content text NOT NULL,
        reply_to_author_id text,
        mentioned_user_ids text[] NOT NULL DEFAULT '{}',
        sent_at timestamptz NOT NULL,
        PRIMARY KEY (channel_id, message_id)
      );
      CREATE INDEX channel_messages_guild ON channel_messages (guild_id);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE channel_messages');
  }
}
