import type { MigrationInterface, QueryRunner } from '@steward/db';

/** Dashboard sessions, failed logins (rate limiting), guilds linked to tenants, metering sync state. */
export class CreateSessionsAndGuilds1767300000000 implements MigrationInterface {
  name = 'CreateSessionsAndGuilds1767300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- SHA-256 of the cookie's token, hex; the token itself is never stored.
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await runner.query('CREATE INDEX sessions_user_id_idx ON sessions (user_id)');
    await runner.query('CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)');
    await runner.query(`
      CREATE TABLE login_failures (
        id bigserial PRIMARY KEY,
        -- "email:<address>" or "ip:<address>": each is limited on its own.
        subject text NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX login_failures_subject_idx ON login_failures (subject, failed_at)');
    await runner.query(`
      CREATE TABLE guilds (
        -- A guild belongs to one tenant: the primary key makes a second link impossible.
        guild_id text PRIMARY KEY CHECK (guild_id ~ '^[0-9]{15,21}$'),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        application_id text NOT NULL CHECK (application_id ~ '^[0-9]{15,21}$'),
        name text NOT NULL,
        icon text,
        settings jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX guilds_tenant_id_idx ON guilds (tenant_id)');
    // Null until metering has confirmed the tenant's subscription (retried until it does).
    await runner.query('ALTER TABLE tenants ADD COLUMN subscription_synced_at timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE tenants DROP COLUMN subscription_synced_at');
    await runner.query('DROP TABLE guilds');
    await runner.query('DROP TABLE login_failures');
    await runner.query('DROP TABLE sessions');
  }
}
