import type { MigrationInterface, QueryRunner } from '@steward/db';

export class CreateTakeover1767600000000 implements MigrationInterface {
  name = 'CreateTakeover1767600000000';

  async up(runner: QueryRunner): Promise<void> {
    // One member in one channel: `<guildId>:<channelId>:<authorId>`, as the answer path names it.
    await runner.query(`
      CREATE TABLE conversations (
        id                         text PRIMARY KEY,
        tenant_id                  text NOT NULL,
        application_id             text,
        guild_id                   text NOT NULL,
        channel_id                 text NOT NULL,
        author_id                  text NOT NULL,
        author_name                text NOT NULL,
        state                      text NOT NULL DEFAULT 'ai' CHECK (state IN ('ai', 'human', 'escalated')),
        assigned_agent_id          text,
        assigned_agent_name        text,
        taken_over_at              timestamptz,
        last_agent_activity_at     timestamptz,
        escalated_at               timestamptz,
        last_escalation_email_at   timestamptz,
        last_question              text,
        last_message_at            timestamptz NOT NULL,
        created_at                 timestamptz NOT NULL DEFAULT now(),
        updated_at                 timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE INDEX conversations_by_tenant ON conversations (tenant_id, last_message_at DESC, id DESC)`,
    );
    // The auto-resume sweep reads only conversations a person is in charge of.
    await runner.query(
      `CREATE INDEX conversations_in_human_hands ON conversations (last_agent_activity_at) WHERE state = 'human'`,
    );
    // The transcript. `key` makes every source idempotent: member:<discord message id>,
    // bot:<turn id>, agent:<request id>.
    await runner.query(`
      CREATE TABLE turns (
        id              bigserial PRIMARY KEY,
        conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        key             text NOT NULL,
        role            text NOT NULL CHECK (role IN ('member', 'bot', 'agent')),
        author_name     text NOT NULL,
        content         text NOT NULL,
        sources         jsonb NOT NULL DEFAULT '[]',
        outcome         text,
        latency_ms      integer,
        command_id      text,
        at              timestamptz NOT NULL,
        UNIQUE (conversation_id, key)
      )`);
    await runner.query(`CREATE INDEX turns_by_conversation ON turns (conversation_id, at, id)`);
    // Escalation e-mails waiting to be sent (or retried when SMTP was down).
    await runner.query(`
      CREATE TABLE escalation_emails (
        id              bigserial PRIMARY KEY,
        conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        tenant_id       text NOT NULL,
        guild_id        text NOT NULL,
        author_name     text NOT NULL,
        question        text NOT NULL,
        escalated_at    timestamptz NOT NULL,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz
      )`);
    await runner.query(
      `CREATE INDEX escalation_emails_due ON escalation_emails (next_attempt_at) WHERE status = 'pending'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE escalation_emails');
    await runner.query('DROP TABLE turns');
    await runner.query('DROP TABLE conversations');
  }
}
