import type { MigrationInterface, QueryRunner } from '@steward/db';

/** Tenants, their users and their API keys. */
export class CreateAccounts1767225600000 implements MigrationInterface {
  name = 'CreateAccounts1767225600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        plan text NOT NULL CHECK (plan IN ('starter', 'standard', 'pro')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        -- Stored lower-cased so the unique constraint is case-insensitive.
        email text NOT NULL UNIQUE CHECK (email = lower(email)),
        -- scrypt$N$r$p$salt$hash: the parameters travel with the hash, so they can be raised later.
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'agent')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX users_tenant_id_idx ON users (tenant_id)');
    await runner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        -- The first characters of the key, shown in lists so a person can tell keys apart.
        prefix text NOT NULL,
        -- SHA-256 of the whole key, hex; the key itself is never stored.
        key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await runner.query('CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE api_keys');
    await runner.query('DROP TABLE users');
    await runner.query('DROP TABLE tenants');
  }
}
