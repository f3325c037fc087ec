import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * Whether Discord took an agent's message: `sending` until egress reports on its command, then
 * `sent` or `failed` with Discord's reason. Agent messages written before this stay unknown
 * (NULL), as do member and bot turns.
 */
export class AgentMessageDelivery1767900000000 implements MigrationInterface {
  name = 'AgentMessageDelivery1767900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE turns
        ADD COLUMN delivery text CHECK (delivery IN ('sending', 'sent', 'failed')),
        ADD COLUMN delivery_error text`);
    // Egress reports by command id.
    await runner.query(`CREATE INDEX turns_agent_by_command ON turns (command_id) WHERE role = 'agent'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX turns_agent_by_command');
    await runner.query('ALTER TABLE turns DROP COLUMN delivery_error, DROP COLUMN delivery');
  }
}
