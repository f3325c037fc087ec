/**
 * Conversations, takeover and the live feed through real HTTP, with the real takeover and
 * metering services behind them on NATS and Postgres.
 */
import { connect } from 'node:net';
import { Bus } from '@steward/bus';
import {
  AnswerFeedbackSchema,
  AnswerOrigin,
  AnswerOutcome,
  Buckets,
  ConversationTurnSchema,
  encode,
  MeteringRpc,
  Subjects,
} from '@steward/contracts';
import { GuildConfigStore, startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { MeteringConfig } from '../../metering/src/config.js';
import { meteringService } from '../../metering/src/service.js';
import type { TakeoverConfig } from '../../takeover/src/config.js';
import { takeoverService } from '../../takeover/src/service.js';
import { AccountsService } from '../src/accounts/accounts.service.js';
import { GuildConfigPublisher } from '../src/guilds/guild-config.publisher.js';
import { LIVE_RECHECK_MS } from '../src/live/live.controller.js';
import { call, inProcessServiceEnv, startAdminApi, type AdminApi } from './support.js';

const APP = '132000000000000001';
const GUILD_A = '242000000000000001';
const GUILD_B = '242000000000000002';
const CHANNEL = '452000000000000001';
let ids = 342000000000000000n;
const nextId = () => String(++ids);

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** A Server-Sent Events client on fetch, collecting events as they arrive. */
class EventStream {
  readonly events: SseEvent[] = [];
  private readonly abort = new AbortController();
  status = 0;
  /** The server closed the stream (not this client). */
  endedByServer = false;

  static async open(api: AdminApi, key: string, lastEventId?: string): Promise<EventStream> {
    const stream = new EventStream();
    const response = await fetch(`${api.httpUrl}/api/v1/live`, {
      headers: { authorization: `Bearer ${key}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal: stream.abort.signal,
    });
    stream.status = response.status;
    if (response.ok) void stream.read(response.body!);
    else await response.text();
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            const match = /^(id|event|data): ?(.*)$/.exec(line);
            if (match) event[match[1] as keyof SseEvent] = match[2];
          }
          if (event.event) this.events.push(event);
        }
      }
      this.endedByServer = true;
    } catch {
      // aborted by close()
    }
  }

  of(type: string): Array<Record<string, unknown>> {
    return this.events.filter((event) => event.event === type).map((event) => JSON.parse(event.data!));
  }

  close(): void {
    this.abort.abort();
  }
}

describe('conversations and live API', () => {
  let database: TestDatabase;
  let metering: RunningService<MeteringConfig>;
  let takeover: RunningService<TakeoverConfig>;
  let api: AdminApi;
  let bus: Bus;
  let keyA: string;
  let keyB: string;
  let keyStarter: string;
  let tenantA: string;
  let tenantB: string;
  let tenantStarter: string;
  const streams: EventStream[] = [];

  async function publishTurn(
    tenantId: string,
    guildId: string,
    authorId: string,
    question: string,
    messageId = nextId(),
  ): Promise<string> {
    const conversationId = `${guildId}:${CHANNEL}:${authorId}`;
    await bus.publish(
      Subjects.conversationTurn,
      encode(ConversationTurnSchema, {
        turnId: `msg:${messageId}`,
        tenantId,
        applicationId: APP,
        guildId,
        channelId: CHANNEL,
        conversationId,
        questionMessageId: messageId,
        authorId,
        authorName: `member-${authorId.slice(-2)}`,
        question,
        answer: `Answer to: ${question}`,
        sources: [{ documentId: 'doc-1', title: 'FAQ', score: 0.8 }],
        outcome: AnswerOutcome.ANSWERED,
        engine: 'offline',
        latencyMs: 310,
        atMs: BigInt(Date.now()),
        origin: AnswerOrigin.MENTION,
      }),
      { msgId: `turn:msg:${messageId}` },
    );
    return conversationId;
  }

  /** A new tenant on the Pro plan (metering told), with an API key for its dashboard. */
  async function proTenant(name: string): Promise<{ tenantId: string; key: string }> {
    const accounts = api.app.get(AccountsService);
    const tenant = await accounts.createTenant({ name, plan: 'pro' });
    await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: tenant.id, plan: 'pro' });
    return { tenantId: tenant.id, key: (await accounts.issueApiKey(tenant.id, 'dashboard')).key };
  }

  const open = async (key: string, lastEventId?: string) => {
    const stream = await EventStream.open(api, key, lastEventId);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    const env = inProcessServiceEnv(database.url);
    metering = await startService(meteringService, env);
    takeover = await startService(takeoverService, { ...env, TAKEOVER_WINDOW_MS: '60000' });
    api = await startAdminApi(database.url, {
      ADMIN_LIVE_STREAMS_PER_TENANT: '3',
      ADMIN_LIVE_REPLAY_MAX_FACTS: '4',
    });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'conversations-api-test' });

    const accounts = api.app.get(AccountsService);
    const plans = [
      ['Acme', 'standard'],
      ['Globex', 'pro'],
      ['Tiny', 'starter'],
    ] as const;
    const keys: string[] = [];
    const tenants: string[] = [];
    for (const [name, plan] of plans) {
      const tenant = await accounts.createTenant({ name, plan });
      await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: tenant.id, plan });
      tenants.push(tenant.id);
      keys.push((await accounts.issueApiKey(tenant.id, 'dashboard')).key);
    }
    [tenantA, tenantB, tenantStarter] = tenants as [string, string, string];
    [keyA, keyB, keyStarter] = keys as [string, string, string];
    // Each tenant's server linked, as the install flow publishes it: an agent writes only in a
    // server of their tenant. (After admin-api's start-up republish, which keeps only linked rows.)
    await api.app.get(GuildConfigPublisher).reconciled;
    for (const [guildId, tenantId] of [
      [GUILD_A, tenantA],
      [GUILD_B, tenantB],
    ]) {
      await bus.putJson(Buckets.configGuilds.name, guildId!, { guildId, tenantId, applicationId: APP });
    }
    const served = takeover.app.get(GuildConfigStore);
    await waitFor(() => served.get(GUILD_A) && served.get(GUILD_B));
  }, 60_000);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await bus?.drain();
    await api?.stop();
    await takeover?.stop();
    await metering?.stop();
    await database?.drop();
  });

  it("streams a tenant's own conversations only, and replays what a reconnecting client missed", async () => {
    const live = await open(keyA);
    expect(live.status).toBe(200);
    const alice = nextId();
    const mine = await publishTurn(tenantA, GUILD_A, alice, 'How do refunds work?');
    await publishTurn(tenantB, GUILD_B, nextId(), 'A question of another tenant');
    const [turn] = await waitFor(() => (live.of('turn').length > 0 ? live.of('turn') : undefined));
    expect(turn).toMatchObject({
      conversationId: mine,
      question: 'How do refunds work?',
      answer: 'Answer to: How do refunds work?',
      sources: [{ documentId: 'doc-1', title: 'FAQ' }],
      outcome: 'answered',
      latencyMs: 310,
    });

    // The agent takes over while the dashboard is disconnected; the reconnect catches up.
    const lastSeen = live.events.at(-1)!.id!;
    live.close();
    await waitFor(
      async () => (await call(api, `/api/v1/conversations/${mine}`, { key: keyA })).status === 200,
    );
    const taken = await call(api, `/api/v1/conversations/${mine}/takeover`, { key: keyA, method: 'POST' });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ state: 'human', assignedAgent: { name: 'dashboard' } });
    await publishTurn(tenantB, GUILD_B, nextId(), 'Another question of another tenant');

    const resumed = await open(keyA, lastSeen);
    const takeoverEvent = await waitFor(() => resumed.of('takeover')[0]);
    expect(takeoverEvent).toMatchObject({ conversationId: mine, agent: { name: 'dashboard' } });
    expect(Number(resumed.events[0]!.id)).toBeGreaterThan(Number(lastSeen));
    expect(resumed.of('turn')).toEqual([]);

    const other = await open(keyB);
    await publishTurn(tenantA, GUILD_A, nextId(), 'Visible to Acme only');
    await waitFor(() => resumed.of('turn').length === 1);
    await publishTurn(tenantB, GUILD_B, nextId(), 'Visible to Globex only');
    await waitFor(() => other.of('turn').length === 1);
    expect(other.of('turn')[0]).toMatchObject({ question: 'Visible to Globex only' });
    expect(resumed.of('turn').map((event) => event.question)).toEqual(['Visible to Acme only']);
  });

  it('ends a stream within seconds of its API key being revoked; the tenant’s other streams go on', async () => {
    const { apiKey, key } = await api.app.get(AccountsService).issueApiKey(tenantA, 'wallboard');
    const revokedSoon = await open(key);
    const kept = await open(keyA);
    expect(revokedSoon.status).toBe(200);
    expect((await call(api, `/api/v1/api-keys/${apiKey.id}`, { key: keyA, method: 'DELETE' })).status).toBe(
      204,
    );

    await waitFor(() => revokedSoon.endedByServer, {
      timeoutMs: LIVE_RECHECK_MS + 5_000,
      message: 'the stream of the revoked key ended',
    });
    await publishTurn(tenantA, GUILD_A, nextId(), 'Asked after the key was revoked');
    await waitFor(() => kept.of('turn').some((turn) => turn.question === 'Asked after the key was revoked'));
    expect(kept.endedByServer).toBe(false);
    expect(revokedSoon.of('turn')).toEqual([]);
    expect((await open(key)).status).toBe(401);
  });

  it('keeps a tenant to 3 open feeds here, and a reconnect from long ago replays only the last 4 facts', async () => {
    const accounts = api.app.get(AccountsService);
    const tenant = await accounts.createTenant({ name: 'Initech', plan: 'pro' });
    await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: tenant.id, plan: 'pro' });
    const { key } = await accounts.issueApiKey(tenant.id, 'wallboards');
    const feeds = [await open(key), await open(key), await open(key)];
    expect(feeds.map((feed) => feed.status)).toEqual([200, 200, 200]);
    const fourth = await call(api, '/api/v1/live', { key });
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe('too_many_streams');
    feeds[2]!.close();
    await waitFor(async () => {
      const again = await EventStream.open(api, key);
      streams.push(again);
      return again.status === 200;
    });

    await publishTurn(tenant.id, GUILD_A, nextId(), 'Question 0');
    const [first] = await waitFor(() => (feeds[0]!.events.length > 0 ? feeds[0]!.events : undefined));
    const questions = Array.from({ length: 6 }, (_, n) => `Question ${n + 1}`);
    for (const question of questions) await publishTurn(tenant.id, GUILD_A, nextId(), question);
    await waitFor(() => feeds[0]!.of('turn').length === 7);
    for (const feed of feeds) feed.close();

    // Six facts were published after the last one seen; only the last four are replayed.
    const resumed = await waitFor(async () => {
      const stream = await EventStream.open(api, key, first!.id);
      streams.push(stream);
      return stream.status === 200 ? stream : undefined;
    });
    await waitFor(() => resumed.of('turn').some((turn) => turn.question === 'Question 6'));
    const replayed = resumed.of('turn').map((turn) => turn.question);
    expect(replayed.length).toBeLessThanOrEqual(4);
    expect(replayed).toEqual(questions.slice(-replayed.length));
  });

  it('keeps a tenant to 3 feeds when more are opened at once', async () => {
    const { key } = await proTenant('Pied Piper');
    const feeds = await Promise.all(Array.from({ length: 6 }, () => EventStream.open(api, key)));
    streams.push(...feeds);
    expect(feeds.map((feed) => feed.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('frees the place of a feed whose client left before the feed was open', async () => {
    const { key } = await proTenant('Hooli');
    const feedsStarted = async () => {
      const metrics = await (await fetch(`${api.ops.url}/metrics`)).text();
      return [...metrics.matchAll(/^steward_admin_live_feeds_total\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, [, n]) => sum + Number(n),
        0,
      );
    };
    const startedBefore = await feedsStarted();
    const { hostname, port } = new URL(api.httpUrl!);
    // More tabs than the limit (3), each closed as soon as its request is out.
    for (let n = 0; n < 6; n++) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () =>
          socket.write(
            `GET /api/v1/live?lastEventId=1 HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${key}\r\n\r\n`,
            () => {
              socket.destroy();
              resolve();
            },
          ),
        );
        socket.once('error', reject);
      });
    }
    // Every one of them reached the feed (opened, or found its client gone).
    await waitFor(async () => (await feedsStarted()) >= startedBefore + 6);
    const opened = await waitFor(async () => {
      const stream = await EventStream.open(api, key);
      streams.push(stream);
      return stream.status === 200 ? stream : undefined;
    });
    expect(opened.status).toBe(200);
  });

  it('lists, shows, writes in and releases a conversation, for its tenant only', async () => {
    const bob = nextId();
    const id = await publishTurn(tenantA, GUILD_A, bob, 'Where is my invoice?');
    const listed = await waitFor(async () => {
      const page = await call(api, '/api/v1/conversations?limit=100', { key: keyA });
      return page.body.conversations?.find((c: { id: string }) => c.id === id);
    });
    expect(listed).toMatchObject({ state: 'ai', lastQuestion: 'Where is my invoice?', assignedAgent: null });
    expect((await call(api, `/api/v1/conversations/${id}`, { key: keyB })).status).toBe(404);
    expect(
      (await call(api, `/api/v1/conversations/${id}/takeover`, { key: keyB, method: 'POST' })).status,
    ).toBe(404);

    const headers = { 'idempotency-key': 'send-1' };
    const sent = await call(api, `/api/v1/conversations/${id}/messages`, {
      key: keyA,
      body: { content: 'Hi, checking now.' },
      headers,
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ content: 'Hi, checking now.', conversation: { state: 'human' } });
    const repeated = await call(api, `/api/v1/conversations/${id}/messages`, {
      key: keyA,
      body: { content: 'Hi, checking now.' },
      headers,
    });
    expect(repeated.body.commandId).toBe(sent.body.commandId);

    const detail = await call(api, `/api/v1/conversations/${id}`, { key: keyA });
    expect(
      detail.body.turns.map((turn: { role: string; content: string }) => [turn.role, turn.content]),
    ).toEqual([
      ['member', 'Where is my invoice?'],
      ['bot', 'Answer to: Where is my invoice?'],
      ['agent', 'Hi, checking now.'],
    ]);
    const human = await call(api, '/api/v1/conversations?state=human', { key: keyA });
    expect(human.body.conversations.map((c: { id: string }) => c.id)).toContain(id);

    const released = await call(api, `/api/v1/conversations/${id}/release`, { key: keyA, method: 'POST' });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ state: 'ai', assignedAgent: null });
  });

  it("shows members' votes on each answer with the transcript, and declares them in OpenAPI", async () => {
    const messageId = nextId();
    const id = await publishTurn(tenantA, GUILD_A, nextId(), 'Can I change my plan?', messageId);
    const feedbackId = nextId();
    await bus.publish(
      Subjects.answerFeedback,
      encode(AnswerFeedbackSchema, {
        feedbackId,
        tenantId: tenantA,
        guildId: GUILD_A,
        channelId: CHANNEL,
        turnId: `msg:${messageId}`,
        userId: nextId(),
        helpful: false,
        atMs: BigInt(Date.now()),
      }),
      { msgId: `feedback:${feedbackId}` },
    );
    const detail = await waitFor(async () => {
      const response = await call(api, `/api/v1/conversations/${id}`, { key: keyA });
      return response.body.turns?.[1]?.feedback?.notHelpful === 1 ? response.body : undefined;
    });
    expect(
      detail.turns.map((turn: { role: string; feedback: unknown }) => [turn.role, turn.feedback]),
    ).toEqual([
      ['member', null],
      ['bot', { helpful: 0, notHelpful: 1 }],
    ]);

    const document = await call(api, '/api/docs/openapi.json');
    expect(
      document.body.components.schemas.ConversationDetail.properties.turns.items.properties.feedback,
    ).toMatchObject({
      nullable: true,
      properties: { helpful: { type: 'integer' }, notHelpful: { type: 'integer' } },
    });
  });

  it('refuses lower plans with 403 plan_required', async () => {
    const id = await publishTurn(tenantStarter, GUILD_A, nextId(), 'Hello?');
    const refused = await call(api, `/api/v1/conversations/${id}/takeover`, {
      key: keyStarter,
      method: 'POST',
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: {
        code: 'plan_required',
        message: expect.stringContaining('Standard and Pro'),
        details: { requiredPlan: 'standard' },
      },
    });
    expect((await call(api, '/api/v1/conversations', { key: keyStarter })).status).toBe(403);
    expect((await open(keyStarter)).status).toBe(403);
  });

  it('validates input', async () => {
    expect((await call(api, '/api/v1/conversations?state=angry', { key: keyA })).status).toBe(400);
    expect((await call(api, '/api/v1/conversations/not-an-id', { key: keyA })).status).toBe(400);
    const empty = await call(api, `/api/v1/conversations/${GUILD_A}:${CHANNEL}:1/messages`, {
      key: keyA,
      body: { content: '  ' },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details).toEqual([{ field: 'content', message: 'must not be empty' }]);
    expect((await open(keyA, 'yesterday')).status).toBe(400);
    const twice = await call(api, '/api/v1/live?lastEventId=1&lastEventId=2', { key: keyA });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details).toEqual([{ field: 'Last-Event-ID', message: 'must be one event id' }]);
  });
});
