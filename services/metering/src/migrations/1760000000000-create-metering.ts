import type { MigrationInterface, QueryRunner } from '@steward/db';

export class CreateMetering1760000000000 implements MigrationInterface {
  name = 'CreateMetering1760000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE subscriptions (
        tenant_id     text PRIMARY KEY,
        plan          text NOT NULL CHECK (plan IN ('free', 'starter', 'standard', 'pro')),
        anchor_day    smallint NOT NULL CHECK (anchor_day BETWEEN 1 AND 31),
        notify_emails text[] NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    // One counter per tenant and period: the guarded increment on this row is what makes
    // reservations atomic, and a new period starts at zero because it is a new row.
    await runner.query(`
      CREATE TABLE period_usage (
        tenant_id    text NOT NULL,
        period_start date NOT NULL,
        period_end   date NOT NULL,
        quota        integer NOT NULL CHECK (quota >= 0),
        used         integer NOT NULL CHECK (used >= 0),
        PRIMARY KEY (tenant_id, period_start)
      )`);
    // The ledger: one row per operation id, holding the first answer given for it.
    await runner.query(`
      CREATE TABLE operations (
        tenant_id    text NOT NULL,
        operation_id text NOT NULL,
        kind         text NOT NULL,
        channel      text NOT NULL,
        guild_id     text,
        state        text NOT NULL CHECK (state IN ('granted', 'denied', 'released')),
        reason       text,
        remaining    integer NOT NULL,
        period_start date,
        period_end   date,
        grants       integer NOT NULL DEFAULT 0,
        reserved_at  timestamptz NOT NULL,
        released_at  timestamptz,
        PRIMARY KEY (tenant_id, operation_id)
      )`);
    await runner.query(
      `CREATE INDEX operations_granted_by_period ON operations (tenant_id, period_start) WHERE state = 'granted'`,
    );
    // One row per tenant, period and threshold: the primary key is what sends each e-mail once.
    await runner.query(`
      CREATE TABLE threshold_notifications (
        tenant_id       text NOT NULL,
        period_start    date NOT NULL,
        period_end      date NOT NULL,
        threshold       smallint NOT NULL CHECK (threshold IN (80, 100)),
        plan            text NOT NULL,
        used            integer NOT NULL,
        quota           integer NOT NULL,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz,
        PRIMARY KEY (tenant_id, period_start, threshold)
      )`);
    await runner.query(
      `CREATE INDEX threshold_notifications_due ON threshold_notifications (next_attempt_at) WHERE status = 'pending'`,
    );
    // Usage facts written with the change they describe, published after commit.
    await runner.query(`
      CREATE TABLE usage_outbox (
        id           bigserial PRIMARY KEY,
        change       text NOT NULL CHECK (change IN ('granted', 'released')),
        tenant_id    text NOT NULL,
        operation_id text NOT NULL,
        grant_no     integer NOT NULL,
        kind         text NOT NULL,
        channel      text NOT NULL,
        guild_id     text,
        period_start date NOT NULL,
        period_end   date NOT NULL,
        used         integer NOT NULL,
        quota        integer NOT NULL,
        at           timestamptz NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE usage_outbox');
    await runner.query('DROP TABLE threshold_notifications');
    await runner.query('DROP TABLE operations');
    await runner.query('DROP TABLE period_usage');
    await runner.query('DROP TABLE subscriptions');
  }
}
