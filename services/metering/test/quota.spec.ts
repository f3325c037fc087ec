import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus } from '@steward/bus';
import { UsageChange, UsageKind } from '@steward/contracts';
import type { RunningService } from '@steward/runtime';
import { startService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { MeteringConfig } from '../src/config.js';
import { RESERVE_BATCH } from '../src/quota/reserve-statement.js';
import { createMeteringService } from '../src/service.js';
import { ManualClock, expectRpcError, meteringClient, presetUsage, usageFacts } from './support.js';

const GUILD = '123456789012345678';

let database: TestDatabase;
let service: RunningService<MeteringConfig>;
let client: Bus;
let call: ReturnType<typeof meteringClient>;
const clock = new ManualClock(new Date('2025-03-10T12:00:00Z'));

beforeAll(async () => {
  await resetJetStream();
  database = await createTestDatabase();
  service = await startService(createMeteringService({ clock }), {
    NATS_URL: process.env.NATS_URL,
    DATABASE_URL: database.url,
    STEWARD_LOCAL: '1',
    LOG_LEVEL: 'silent',
    OPS_PORT: '0',
  });
  client = await Bus.connect({ servers: process.env.NATS_URL!, name: 'metering-test-client' });
  call = meteringClient(client);
});

afterAll(async () => {
  await client?.drain();
  await service?.stop();
  await database?.drop();
});

async function ledger(tenantId: string): Promise<{ granted: number; denied: number; released: number }> {
  const rows: Array<{ state: string; n: number }> = await service.dataSource!.query(
    'SELECT state, count(*)::int AS n FROM operations WHERE tenant_id = $1 GROUP BY state',
    [tenantId],
  );
  const count = (state: string) => rows.find((row) => row.state === state)?.n ?? 0;
  return { granted: count('granted'), denied: count('denied'), released: count('released') };
}

const answer = (tenantId: string, operationId: string) =>
  call('reserve', { tenantId, operationId, kind: 'answer', channel: 'discord', guildId: GUILD });

describe('reservations', () => {
  it('grants exactly the 100 messages left to 1,000 concurrent reservations, and the ledger agrees', async () => {
    clock.set('2025-03-10T12:00:00Z');
    await call('subscriptionSet', { tenantId: 'busy', plan: 'starter' });
    await presetUsage(service.dataSource!, 'busy', 2_400);

    const replies = await Promise.all(Array.from({ length: 1_000 }, (_, n) => answer('busy', `busy-${n}`)));

    const granted = replies.filter((reply) => reply.granted);
    expect(granted).toHaveLength(100);
    expect(new Set(granted.map((reply) => reply.remaining))).toEqual(
      new Set(Array.from({ length: 100 }, (_, n) => n)),
    );
    expect(
      replies
        .filter((reply) => !reply.granted)
        .every((reply) => reply.reason === 'quota_exceeded' && reply.remaining === 0),
    ).toBe(true);
    expect(await ledger('busy')).toEqual({ granted: 100, denied: 900, released: 0 });
    const usage = await call('usage', { tenantId: 'busy' });
    expect(usage).toMatchObject({ plan: 'starter', quota: 2_500, used: 2_500, remaining: 0 });
  }, 30_000);

  it('counts an operation id once however often and however concurrently it is reserved', async () => {
    await call('subscriptionSet', { tenantId: 'repeat', plan: 'starter' });
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => answer('repeat', 'op-1')));
    const sequential = [];
    for (let n = 0; n < 5; n++) sequential.push(await answer('repeat', 'op-1'));

    for (const reply of [...concurrent, ...sequential])
      expect(reply).toEqual({ granted: true, remaining: 2_499, reason: null });
    expect((await call('usage', { tenantId: 'repeat' })).used).toBe(1);
    expect(await ledger('repeat')).toEqual({ granted: 1, denied: 0, released: 0 });

    const facts = await waitFor(async () => {
      const found = await usageFacts(client, 'repeat');
      return found.length === 1 ? found : undefined;
    });
    expect(facts[0]!.msgId).toBe('op-1');
    expect(facts[0]!.fact).toMatchObject({
      operationId: 'op-1',
      change: UsageChange.GRANTED,
      kind: UsageKind.ANSWER,
      guildId: GUILD,
      periodStart: '2025-03-01',
      periodEnd: '2025-04-01',
      used: 1,
      quota: 2_500,
    });
  });

  it('answers each reservation of one busy moment as if it were alone, whatever its tenant', async () => {
    await call('subscriptionSet', { tenantId: 'mixed-last-two', plan: 'starter' });
    await presetUsage(service.dataSource!, 'mixed-last-two', 2_498);
    await call('subscriptionSet', { tenantId: 'mixed-free', plan: 'free' });
    await call('subscriptionSet', { tenantId: 'mixed-roomy', plan: 'standard' });
    const known = await answer('mixed-roomy', 'already-counted');

    // Sent together, so the service takes them in the same batches.
    const [lastTwo, free, unknownTenant, roomy, again] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, (_, n) => answer('mixed-last-two', `last-${n}`))),
      answer('mixed-free', 'free-1'),
      answer('mixed-nobody', 'nobody-1'),
      Promise.all(Array.from({ length: 3 }, (_, n) => answer('mixed-roomy', `roomy-${n}`))),
      Promise.all(Array.from({ length: 3 }, () => answer('mixed-roomy', 'already-counted'))),
    ]);

    expect(lastTwo.filter((reply) => reply.granted).map((reply) => reply.remaining).sort()).toEqual([0, 1]);
    expect(lastTwo.filter((reply) => !reply.granted)).toHaveLength(3);
    expect(free).toEqual({ granted: false, remaining: 0, reason: 'plan_excludes_discord' });
    expect(unknownTenant).toEqual({ granted: false, remaining: 0, reason: 'no_subscription' });
    expect(roomy.map((reply) => reply.remaining).sort()).toEqual([14_996, 14_997, 14_998]);
    expect(again).toEqual([known, known, known]);
    expect(await ledger('mixed-last-two')).toEqual({ granted: 2, denied: 3, released: 0 });
    expect(await ledger('mixed-roomy')).toEqual({ granted: 4, denied: 0, released: 0 });
    expect((await call('usage', { tenantId: 'mixed-roomy' })).used).toBe(4);
  });

  it('checks each new operation against the ledger by its key, in the plan a connection keeps', async () => {
    // The reserve statement is prepared once per connection and its plan reused: a plan that
    // hashed the whole ledger would make every reservation slower as the ledger grows.
    const runner = service.dataSource!.createQueryRunner();
    try {
      await runner.query('SET plan_cache_mode = force_generic_plan');
      await runner.query(`PREPARE reserve_plan_check AS ${RESERVE_BATCH}`);
      const plan: Array<{ 'QUERY PLAN': string }> = await runner.query(
        `EXPLAIN EXECUTE reserve_plan_check(${Array(11).fill("'{}'").join(', ')}, '{80,100}')`,
      );
      const text = plan.map((line) => line['QUERY PLAN']).join('\n');
      expect(text).toContain('SubPlan');
      expect(text).toContain('operations_pkey');
      expect(text).not.toContain('Anti Join');
      expect(text).not.toContain('Seq Scan on operations');
    } finally {
      await runner.query('RESET plan_cache_mode');
      await runner.query('DEALLOCATE reserve_plan_check').catch(() => undefined); // if PREPARE failed
      await runner.release();
    }
  });

  it('gives a released message back once; releasing twice, a refused or an unknown operation does nothing', async () => {
    await call('subscriptionSet', { tenantId: 'giveback', plan: 'starter' });
    await answer('giveback', 'kept');
    await answer('giveback', 'given-back');
    expect((await call('usage', { tenantId: 'giveback' })).used).toBe(2);

    expect(await call('release', { tenantId: 'giveback', operationId: 'given-back' })).toEqual({
      released: true,
      remaining: 2_499,
    });
    expect(await call('release', { tenantId: 'giveback', operationId: 'given-back' })).toEqual({
      released: false,
      remaining: null,
    });
    expect(await call('release', { tenantId: 'giveback', operationId: 'never-seen' })).toEqual({
      released: false,
      remaining: null,
    });
    expect((await call('usage', { tenantId: 'giveback' })).used).toBe(1);
    expect(await ledger('giveback')).toEqual({ granted: 1, denied: 0, released: 1 });

    await call('subscriptionSet', { tenantId: 'refused', plan: 'free' });
    expect((await answer('refused', 'no-go')).granted).toBe(false);
    expect(await call('release', { tenantId: 'refused', operationId: 'no-go' })).toEqual({
      released: false,
      remaining: null,
    });

    const facts = await waitFor(async () => {
      const found = await usageFacts(client, 'giveback');
      return found.length === 3 ? found : undefined;
    });
    expect(facts.map(({ msgId, fact }) => [msgId, fact.change, fact.used])).toEqual([
      ['kept', UsageChange.GRANTED, 1],
      ['given-back', UsageChange.GRANTED, 2],
      ['given-back:release', UsageChange.RELEASED, 1],
    ]);
  });

  it('counts a released operation again, once, when its work is retried', async () => {
    await call('subscriptionSet', { tenantId: 'retried', plan: 'starter' });
    await answer('retried', 'flaky');
    await call('release', { tenantId: 'retried', operationId: 'flaky' });
    const retries = await Promise.all(Array.from({ length: 3 }, () => answer('retried', 'flaky')));
    expect(retries.every((reply) => reply.granted)).toBe(true);
    expect((await call('usage', { tenantId: 'retried' })).used).toBe(1);
    expect(await ledger('retried')).toEqual({ granted: 1, denied: 0, released: 0 });
  });

  it('counts 23:59:59 on the last day and 00:00:00 of the next in different periods', async () => {
    await call('subscriptionSet', { tenantId: 'midnight', plan: 'starter' });
    clock.set('2025-03-31T23:59:59Z');
    expect(await answer('midnight', 'last-second')).toEqual({
      granted: true,
      remaining: 2_499,
      reason: null,
    });
    clock.set('2025-04-01T00:00:00Z');
    expect(await answer('midnight', 'first-second')).toEqual({
      granted: true,
      remaining: 2_499,
      reason: null,
    });

    const april = await call('usage', { tenantId: 'midnight' });
    expect(april).toMatchObject({
      period: { start: '2025-04-01', end: '2025-05-01' },
      used: 1,
      daily: [{ date: '2025-04-01', used: 1, byKind: { answer: 1, moderation: 0, proactive: 0, api: 0 } }],
    });
    const march = await call('usage', { tenantId: 'midnight', period: '2025-03-20' });
    expect(march).toMatchObject({
      period: { start: '2025-03-01', end: '2025-04-01' },
      used: 1,
      remaining: 2_499,
    });
    expect(march.daily).toHaveLength(31);
    expect(march.daily.at(-1)).toEqual({
      date: '2025-03-31',
      used: 1,
      byKind: { answer: 1, moderation: 0, proactive: 0, api: 0 },
    });
  });

  it('runs periods from the anchor day, clamped to short months', async () => {
    await call('subscriptionSet', { tenantId: 'anchored', plan: 'starter', anchorDay: 31 });
    clock.set('2025-02-27T23:59:59Z');
    await answer('anchored', 'before');
    clock.set('2025-02-28T00:00:00Z');
    await answer('anchored', 'after');
    expect((await call('usage', { tenantId: 'anchored' })).period).toEqual({
      start: '2025-02-28',
      end: '2025-03-31',
    });
    expect((await call('usage', { tenantId: 'anchored', period: '2025-02-01' })).period).toEqual({
      start: '2025-01-31',
      end: '2025-02-28',
    });
    expect((await call('usage', { tenantId: 'anchored', period: '2025-02-01' })).used).toBe(1);
  });

  it('reports usage per kind, channel, guild and day, shared across channels', async () => {
    clock.set('2025-03-03T09:00:00Z');
    await call('subscriptionSet', { tenantId: 'mixed', plan: 'standard' });
    await call('reserve', {
      tenantId: 'mixed',
      operationId: 'a1',
      kind: 'answer',
      channel: 'discord',
      guildId: GUILD,
    });
    await call('reserve', {
      tenantId: 'mixed',
      operationId: 'm1',
      kind: 'moderation',
      channel: 'discord',
      guildId: GUILD,
    });
    clock.set('2025-03-04T09:00:00Z');
    await call('reserve', {
      tenantId: 'mixed',
      operationId: 'p1',
      kind: 'proactive',
      channel: 'discord',
      guildId: '223456789012345678',
    });
    await call('reserve', { tenantId: 'mixed', operationId: 'c1', kind: 'api', channel: 'api' });
    await call('reserve', { tenantId: 'mixed', operationId: 'w1', kind: 'api', channel: 'widget' });

    expect(await call('usage', { tenantId: 'mixed' })).toEqual({
      tenantId: 'mixed',
      plan: 'standard',
      period: { start: '2025-03-01', end: '2025-04-01' },
      quota: 15_000,
      used: 5,
      remaining: 14_995,
      byKind: { answer: 1, moderation: 1, proactive: 1, api: 2 },
      byChannel: { discord: 3, api: 1, widget: 1 },
      byGuild: [
        { guildId: GUILD, used: 2 },
        { guildId: '223456789012345678', used: 1 },
      ],
      daily: [
        { date: '2025-03-01', used: 0, byKind: { answer: 0, moderation: 0, proactive: 0, api: 0 } },
        { date: '2025-03-02', used: 0, byKind: { answer: 0, moderation: 0, proactive: 0, api: 0 } },
        { date: '2025-03-03', used: 2, byKind: { answer: 1, moderation: 1, proactive: 0, api: 0 } },
        { date: '2025-03-04', used: 3, byKind: { answer: 0, moderation: 0, proactive: 1, api: 2 } },
      ],
    });
  });
});

describe('plans and entitlements', () => {
  it("refuses a Free tenant's guild, and lets it in as soon as it upgrades", async () => {
    clock.set('2025-03-10T12:00:00Z');
    await call('subscriptionSet', { tenantId: 'upgrader', plan: 'free' });
    expect(await answer('upgrader', 'q1')).toEqual({
      granted: false,
      remaining: 0,
      reason: 'plan_excludes_discord',
    });
    expect(await call('entitlements', { tenantId: 'upgrader' })).toEqual({
      tenantId: 'upgrader',
      plan: 'free',
      quota: 0,
      features: { discord: false, liveMonitoring: false, takeover: false, escalation: false },
    });

    await call('subscriptionSet', { tenantId: 'upgrader', plan: 'starter' });
    expect(await answer('upgrader', 'q2')).toEqual({ granted: true, remaining: 2_499, reason: null });
    const starter = await call('entitlements', { tenantId: 'upgrader' });
    expect(starter.features).toEqual({
      discord: true,
      liveMonitoring: false,
      takeover: false,
      escalation: false,
    });

    await call('subscriptionSet', { tenantId: 'upgrader', plan: 'standard' });
    expect(await call('entitlements', { tenantId: 'upgrader' })).toMatchObject({
      plan: 'standard',
      quota: 15_000,
      features: { discord: true, liveMonitoring: true, takeover: true, escalation: true },
    });
    expect((await call('usage', { tenantId: 'upgrader' })).remaining).toBe(14_999);
  });

  it('refuses a tenant without a subscription, and keeps settings a change leaves out', async () => {
    expect(await answer('nobody', 'q')).toEqual({ granted: false, remaining: 0, reason: 'no_subscription' });
    expect(await call('entitlements', { tenantId: 'nobody' })).toMatchObject({ plan: null, quota: 0 });
    expect(await call('subscriptionGet', { tenantId: 'nobody' })).toEqual({ subscription: null });

    await call('subscriptionSet', {
      tenantId: 'kept',
      plan: 'pro',
      anchorDay: 15,
      notifyEmails: ['owner@kept.test'],
    });
    await call('subscriptionSet', { tenantId: 'kept', plan: 'standard' });
    expect((await call('subscriptionGet', { tenantId: 'kept' })).subscription).toMatchObject({
      tenantId: 'kept',
      plan: 'standard',
      anchorDay: 15,
      notifyEmails: ['owner@kept.test'],
    });
  });
});

describe('request validation', () => {
  it('answers a bad request with bad_request naming the field', async () => {
    const refused = async (subject: string, body: unknown) =>
      expectRpcError(
        await client.requestJson(subject, body).then(
          () => undefined,
          (error: unknown) => error,
        ),
      );

    const missing = await refused('rpc.metering.reserve', {
      tenantId: 't',
      kind: 'answer',
      channel: 'discord',
    });
    expect(missing.code).toBe('bad_request');
    expect(missing.message).toContain('operationId');

    const badKind = await refused('rpc.metering.reserve', {
      tenantId: 't',
      operationId: 'o',
      kind: 'chat',
      channel: 'discord',
    });
    expect(badKind).toMatchObject({ code: 'bad_request' });
    expect(badKind.message).toContain('kind');

    const badPlan = await refused('rpc.metering.subscription.set', { tenantId: 't', plan: 'gold' });
    expect(badPlan).toMatchObject({ code: 'bad_request' });
    expect(badPlan.message).toContain('plan');

    const badPeriod = await refused('rpc.metering.usage', { tenantId: 't', period: 'March' });
    expect(badPeriod.message).toContain('period');

    const notJson = expectRpcError(
      await client.request('rpc.metering.release', '{nope').then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(notJson.code).toBe('bad_request');
  });
});
