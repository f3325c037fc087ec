import type { MigrationInterface, QueryRunner } from '@steward/db';

/** Tenants' own Discord bots, their tokens sealed with the master key. */
export class CreateBots1767400000000 implements MigrationInterface {
  name = 'CreateBots1767400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE bots (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        -- An application serves one tenant.
        application_id text NOT NULL UNIQUE CHECK (application_id ~ '^[0-9]{15,21}$'),
        public_key text NOT NULL CHECK (public_key ~ '^[0-9a-f]{64}$'),
        bot_user_id text NOT NULL CHECK (bot_user_id ~ '^[0-9]{15,21}$'),
        bot_username text NOT NULL,
        -- AES-256-GCM under a key derived from STEWARD_MASTER_KEY: v1.<keyId>.<iv>.<data>.
        token_ciphertext text NOT NULL CHECK (token_ciphertext LIKE 'v1.%'),
        key_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX bots_key_id_idx ON bots (key_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE bots');
  }
}
