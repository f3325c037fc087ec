import { Bus } from '@steward/bus';
import {
  AnswerOutcome,
  ConversationTurnSchema,
  decode,
  MeteringRpc,
  Subjects,
  type ConversationTurn,
  type PlanId,
} from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { AnswerConfig } from '../../answer/src/config.js';
import { answerService } from '../../answer/src/service.js';
import type { MeteringConfig } from '../../metering/src/config.js';
import { meteringService } from '../../metering/src/service.js';
import { AccountsService } from '../src/accounts/accounts.service.js';
import { call, inProcessServiceEnv, startAdminApi, type AdminApi } from './support.js';

const PASSWORDS = `# Resetting your password
Open Settings, then Security, and choose Forgot password. We email you a reset link that is valid for 30 minutes.

## No access to your email any more
If you no longer have access to that email address, contact support with your order number. We verify your identity and change the address on the account.`;

/**
 * `/usage`, `/plan` and `/chat` through real HTTP, with the real answer and metering services
 * behind them on the shared NATS and one database (each service in its own schema).
 */
describe('usage, plan and chat API', () => {
  let database: TestDatabase;
  let metering: RunningService<MeteringConfig> | undefined;
  let answer: RunningService<AnswerConfig>;
  let api: AdminApi;
  let bus: Bus;
  let acme: { id: string; key: string };
  let globex: { id: string; key: string };
  const env = () => inProcessServiceEnv(database.url);

  async function tenant(name: string, plan: Exclude<PlanId, 'free'>) {
    const accounts = api.app.get(AccountsService);
    const created = await accounts.createTenant({ name, plan });
    // Metering is told directly, so the test does not depend on when the plan is synchronised.
    await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: created.id, plan });
    return { id: created.id, key: (await accounts.issueApiKey(created.id, 'ci')).key };
  }

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    metering = await startService(meteringService, env());
    answer = await startService(answerService, env());
    api = await startAdminApi(database.url);
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'usage-chat-test' });
    acme = await tenant('Acme', 'standard');
    globex = await tenant('Globex', 'starter');

    const document = await call(api, '/api/v1/knowledge/documents', {
      key: acme.key,
      body: { title: 'Passwords', content: PASSWORDS },
    });
    expect(document.status).toBe(201);
    const path = `/api/v1/knowledge/documents/${document.body.id}`;
    await waitFor(async () => (await call(api, path, { key: acme.key })).body.status === 'indexed', {
      timeoutMs: 10_000,
    });
  }, 60_000);

  afterAll(async () => {
    await bus?.drain();
    await api?.stop();
    await answer?.stop();
    await metering?.stop();
    await database?.drop();
  });

  it('shows the plan: its quota and features (Starter has no takeover, Standard has)', async () => {
    expect(await call(api, '/api/v1/plan', { key: acme.key })).toMatchObject({
      status: 200,
      body: {
        plan: 'standard',
        quota: 15_000,
        features: { discord: true, liveMonitoring: true, takeover: true, escalation: true },
      },
    });
    expect((await call(api, '/api/v1/plan', { key: globex.key })).body).toEqual({
      plan: 'starter',
      quota: 2_500,
      features: { discord: true, liveMonitoring: false, takeover: false, escalation: false },
    });
    expect((await call(api, '/api/v1/plan')).status).toBe(401);
  });

  it('answers chat questions from the knowledge base and understands follow-ups in the same session', async () => {
    const first = await call(api, '/api/v1/chat', {
      key: acme.key,
      body: { message: 'How do I reset my password?' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      response: expect.stringMatching(/reset link/),
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      outcome: 'answered',
      sources: [{ documentId: expect.any(String), title: 'Passwords' }],
    });

    const followUp = await call(api, '/api/v1/chat', {
      key: acme.key,
      body: { message: 'and if I no longer have access to that email?', session_id: first.body.session_id },
    });
    expect(followUp.status).toBe(200);
    expect(followUp.body.session_id).toBe(first.body.session_id);
    expect(followUp.body.response).toMatch(/order number|verify your identity/);
  });

  it('counts every chat answer on the ledger as kind and channel "api", per tenant', async () => {
    const usage = await call(api, '/api/v1/usage', { key: acme.key });
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({
      plan: 'standard',
      period: {
        start: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        end: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      },
      quota: 15_000,
      used: 2,
      remaining: 14_998,
      byKind: { answer: 0, moderation: 0, proactive: 0, api: 2 },
      byChannel: { discord: 0, api: 2, widget: 0 },
      byGuild: [],
    });
    expect(usage.body).not.toHaveProperty('tenantId');
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.body.daily.at(-1)).toEqual({
      date: today,
      used: 2,
      byKind: { answer: 0, moderation: 0, proactive: 0, api: 2 },
    });

    expect((await call(api, '/api/v1/usage', { key: globex.key })).body).toMatchObject({
      plan: 'starter',
      used: 0,
    });
    expect(
      (await call(api, `/api/v1/usage?date=${usage.body.period.start}`, { key: acme.key })).body.used,
    ).toBe(2);
  });

  it('rejects invalid input with the field that is wrong', async () => {
    const empty = await call(api, '/api/v1/chat', { key: acme.key, body: { message: '  ' } });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'message', message: 'must not be empty' }],
    });
    const session = await call(api, '/api/v1/chat', {
      key: acme.key,
      body: { message: 'hi', session_id: 'a b' },
    });
    expect(session.status).toBe(400);
    expect(session.body.error.details[0].field).toBe('session_id');
    const date = await call(api, '/api/v1/usage?date=yesterday', { key: acme.key });
    expect(date.status).toBe(400);
    expect(date.body.error.details).toEqual([{ field: 'date', message: 'must be a date as YYYY-MM-DD' }]);
    // Days no billing period can hold: the year 10000 would end one, year 50 is read as 1950.
    for (const day of ['9999-12-15', '0050-03-15']) {
      const outside = await call(api, `/api/v1/usage?date=${day}`, { key: acme.key });
      expect(outside.status).toBe(400);
      expect(outside.body.error.details).toEqual([{ field: 'date', message: 'must be a day between 2000-01-01 and 9998-12-31' }]);
    }
    expect((await call(api, '/api/v1/chat', { body: { message: 'hi' } })).status).toBe(401);
  });

  it('answers 429 quota_exceeded, with Retry-After until the period renews, once the quota is used up', async () => {
    // The rest of Globex's 2,500 messages go to moderation checks.
    await Promise.all(
      Array.from({ length: 2_500 }, (_, n) =>
        bus.requestJson(
          MeteringRpc.reserve.subject,
          {
            tenantId: globex.id,
            operationId: `moderation:filler:${n}`,
            kind: 'moderation',
            channel: 'discord',
          },
          { timeoutMs: 30_000 },
        ),
      ),
    );
    const refused = await call(api, '/api/v1/chat', {
      key: globex.key,
      body: { message: 'How do I reset my password?' },
    });
    expect(refused.status).toBe(429);
    const usage = (await call(api, '/api/v1/usage', { key: globex.key })).body;
    expect(usage).toMatchObject({ used: 2_500, remaining: 0 });
    // The period's end is the first day of the next period: the messages renew that day.
    const { start, end } = usage.period as { start: string; end: string };
    const lastDay = new Date(Date.parse(`${end}T00:00:00Z`) - 24 * 3600 * 1000).toISOString().slice(0, 10);
    expect(refused.body.error).toEqual({
      code: 'quota_exceeded',
      message: `The 2500 messages of the Starter plan for ${start} to ${lastDay} are used up; they renew on ${end}, or at once with a plan upgrade`,
    });
    const untilRenewal = (Date.parse(`${end}T00:00:00Z`) - Date.now()) / 1000;
    expect(Math.abs(Number(refused.headers.get('retry-after')) - untilRenewal)).toBeLessThan(60);
  });

  it('answers 504 when no answer arrives in the time the client prefers to wait, and never answers or counts it later', async () => {
    const usedBefore = (await call(api, '/api/v1/usage', { key: acme.key })).body.used;
    const turns: ConversationTurn[] = [];
    const subscription = bus.connection.subscribe(Subjects.conversationTurn, {
      callback: (error, message) => {
        if (!error) turns.push(decode(ConversationTurnSchema, message.data));
      },
    });
    await bus.connection.flush();
    try {
      // Without metering the answer service holds the question back rather than answering unmetered.
      await metering!.stop();
      metering = undefined;
      const started = Date.now();
      const late = await call(api, '/api/v1/chat', {
        key: acme.key,
        body: { message: 'How long is the reset link valid?' },
        headers: { prefer: 'wait=1' },
      });
      expect(late.status).toBe(504);
      expect(late.body.error.code).toBe('answer_timeout');
      expect(late.headers.get('preference-applied')).toBe('wait=1');
      expect(Date.now() - started).toBeLessThan(3_000);

      // Not answered later either, even with metering back: the turn says it expired, uncounted.
      metering = await startService(meteringService, env());
      const turn = await waitFor(() => turns.find((seen) => seen.question === 'How long is the reset link valid?'), {
        timeoutMs: 10_000,
      });
      expect(turn.outcome).toBe(AnswerOutcome.EXPIRED);
      expect((await call(api, '/api/v1/usage', { key: acme.key })).body.used).toBe(usedBefore);
    } finally {
      subscription.unsubscribe();
    }
  }, 20_000);
});
