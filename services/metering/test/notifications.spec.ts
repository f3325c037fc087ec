import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus } from '@steward/bus';
import type { RunningService } from '@steward/runtime';
import { startService } from '@steward/runtime';
import { startSmtpSink, type SmtpSink } from '@steward/sandbox';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeteringConfig } from '../src/config.js';
import { createMeteringService } from '../src/service.js';
import { ManualClock, meteringClient, presetUsage } from './support.js';

const SWEEP_MS = 100;

let database: TestDatabase;
let sink: SmtpSink;
let service: RunningService<MeteringConfig>;
let client: Bus;
let call: ReturnType<typeof meteringClient>;
const clock = new ManualClock(new Date('2025-03-10T12:00:00Z'));

beforeAll(async () => {
  await resetJetStream();
  database = await createTestDatabase();
  sink = await startSmtpSink();
  service = await startService(createMeteringService({ clock }), {
    NATS_URL: process.env.NATS_URL,
    DATABASE_URL: database.url,
    SMTP_URL: sink.url,
    STEWARD_LOCAL: '1',
    LOG_LEVEL: 'silent',
    OPS_PORT: '0',
    METERING_SWEEP_INTERVAL_MS: String(SWEEP_MS),
    METERING_EMAIL_RETRY_MS: '200',
  });
  client = await Bus.connect({ servers: process.env.NATS_URL!, name: 'metering-mail-test' });
  call = meteringClient(client);
});

afterAll(async () => {
  await client?.drain();
  await service?.stop();
  await sink?.close();
  await database?.drop();
});

const reserveMany = (tenantId: string, prefix: string, count: number) =>
  Promise.all(
    Array.from({ length: count }, (_, n) =>
      call('reserve', {
        tenantId,
        operationId: `${prefix}-${n}`,
        kind: 'moderation',
        channel: 'discord',
        guildId: '123456789012345678',
      }),
    ),
  );

describe('quota e-mails', () => {
  it('e-mails the tenant once at 80 % and once at 100 %, even when concurrent reservations cross them', async () => {
    await call('subscriptionSet', {
      tenantId: 'acme',
      plan: 'starter',
      notifyEmails: ['owner@acme.test', 'ops@acme.test'],
    });
    await presetUsage(service.dataSource!, 'acme', 1_990);
    await reserveMany('acme', 'toward-80', 30);
    const eighty = await sink.waitForMessage((mail) => mail.subject.includes('80 %'));
    expect(eighty.subject).toBe('Steward: 80 % of your monthly messages used (2,000 of 2,500)');
    expect(eighty.to).toEqual(['owner@acme.test', 'ops@acme.test']);
    expect(eighty.text).toContain('has used 2,000 of the 2,500 messages of its Starter plan (80 %)');
    expect(eighty.text).toContain('1 March 2025 – 31 March 2025');

    await presetUsage(service.dataSource!, 'acme', 2_490);
    const replies = await reserveMany('acme', 'toward-100', 30);
    expect(replies.filter((reply) => reply.granted)).toHaveLength(10);
    const full = await sink.waitForMessage((mail) => mail.subject.includes('used up'));
    expect(full.subject).toBe('Steward: your monthly message quota is used up (2,500 of 2,500)');
    expect(full.text).toContain(
      'does not answer questions, run moderation checks or publish proactive posts',
    );
    expect(full.text).toContain('The quota renews on 1 April 2025');

    // More refusals and several sweeps later, still one e-mail per threshold.
    await reserveMany('acme', 'after-100', 10);
    await sleep(SWEEP_MS * 5);
    expect(
      sink.messages.filter((mail) => mail.to.includes('owner@acme.test')).map((mail) => mail.subject),
    ).toEqual([eighty.subject, full.subject]);
  });

  it("after an upgrade in the period, e-mails the new plan's 80 % and 100 % too, once each", async () => {
    const mailsTo = (address: string) =>
      sink.messages.filter((mail) => mail.to.includes(address)).map((mail) => mail.subject);
    await call('subscriptionSet', { tenantId: 'upgrader', plan: 'starter', notifyEmails: ['owner@upgrader.test'] });
    await presetUsage(service.dataSource!, 'upgrader', 2_499);
    await reserveMany('upgrader', 'on-starter', 1);
    await waitFor(() => mailsTo('owner@upgrader.test').length === 2);

    // The 100 % notice says an upgrade takes effect at once; the tenant upgrades and goes on.
    await call('subscriptionSet', { tenantId: 'upgrader', plan: 'standard', notifyEmails: ['owner@upgrader.test'] });
    await presetUsage(service.dataSource!, 'upgrader', 14_999);
    await reserveMany('upgrader', 'on-standard', 3);
    await waitFor(() => mailsTo('owner@upgrader.test').length === 4);
    await sleep(SWEEP_MS * 5);
    expect(mailsTo('owner@upgrader.test').sort()).toEqual(
      [
        'Steward: 80 % of your monthly messages used (2,500 of 2,500)',
        'Steward: your monthly message quota is used up (2,500 of 2,500)',
        'Steward: 80 % of your monthly messages used (15,000 of 15,000)',
        'Steward: your monthly message quota is used up (15,000 of 15,000)',
      ].sort(),
    );
  });

  it('retries an e-mail that could not be sent, and sends it once', async () => {
    const port = sink.port;
    await sink.close();
    await call('subscriptionSet', {
      tenantId: 'offline',
      plan: 'standard',
      notifyEmails: ['owner@offline.test'],
    });
    await presetUsage(service.dataSource!, 'offline', 11_999);
    await reserveMany('offline', 'cross', 1);

    const failed = await waitFor(async () => {
      const rows: Array<{ status: string; attempts: number; last_error: string | null }> =
        await service.dataSource!.query(
          "SELECT status, attempts, last_error FROM quota_notices WHERE tenant_id = 'offline'",
        );
      return rows[0] && rows[0].attempts >= 1 ? rows[0] : undefined;
    });
    expect(failed.status).toBe('pending');
    expect(failed.last_error).toMatch(/ECONNREFUSED|connect/i);

    sink = await startSmtpSink({ port });
    const mail = await sink.waitForMessage((received) => received.to.includes('owner@offline.test'), 10_000);
    expect(mail.subject).toBe('Steward: 80 % of your monthly messages used (12,000 of 15,000)');
    await sleep(SWEEP_MS * 5);
    expect(sink.messages.filter((received) => received.to.includes('owner@offline.test'))).toHaveLength(1);
    const [row] = await service.dataSource!.query(
      "SELECT status FROM quota_notices WHERE tenant_id = 'offline'",
    );
    expect(row.status).toBe('sent');
  });
});
