import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * A conversation id names a member in a channel, not a tenant: when a server is linked to
 * another tenant, the next turn hands the conversation over. `tenant_since` is when that
 * happened (null: since it began); the transcript shows only the turns from then on, so the
 * new tenant never reads the previous one's.
 */
export class ConversationTenantSince1767700000000 implements MigrationInterface {
  name = 'ConversationTenantSince1767700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE conversations ADD COLUMN tenant_since timestamptz');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE conversations DROP COLUMN tenant_since');
  }
}
