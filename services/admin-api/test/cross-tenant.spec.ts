import { Bus, RpcError, type ServeHandle } from '@steward/bus';
import { MeteringRpc, ModerationRpc, SchedulerRpc } from '@steward/contracts';
import { createTestDatabase, type TestDatabase } from '@steward/testing';
import { randomUUID } from 'node:crypto';
import { GuildsService } from '../src/guilds/guilds.service.js';
import { Browser } from './browser.js';
import { call, startAdminApi, type AdminApi } from './support.js';

const GUILD_A = '310000000000000001';
const CHANNEL_A = '310000000000000002';
const AUTHOR_A = '310000000000000003';

/** Bodies for routes that need one to get past validation (to the tenant check). */
const BODIES: Record<string, unknown> = {
  'PUT /api/v1/guilds/{guildId}/settings': {},
  'PATCH /api/v1/guilds/{guildId}/settings': {},
  'POST /api/v1/conversations/{id}/messages': { content: 'hello from another tenant' },
};

interface Operation {
  method: string;
  template: string;
  parameters: Array<{ name: string; in: string }>;
}

/**
 * Tenant isolation: every route of the OpenAPI document that takes an id (in the path, or a
 * guild filter in the query) is called with tenant B's key and session on tenant A's ids, and
 * must answer 404. A route with an id this test has no case for fails the test, so a new route
 * cannot slip by untested.
 */
describe('cross-tenant isolation', () => {
  let database: TestDatabase;
  let api: AdminApi;
  let bus: Bus;
  const responders: ServeHandle[] = [];
  let keyA: string;
  let keyB: string;
  let keyIdA: string;
  let browserB: Browser;
  let tenantA: string;
  const documentA = randomUUID();
  const conversationA = `${GUILD_A}:${CHANNEL_A}:${AUTHOR_A}`;
  const readViewRequests: Array<{ subject: string; body: Record<string, unknown> }> = [];

  /** Stand-ins for the services behind the API: they know A's ids and refuse them to anyone else. */
  function serveStandIns() {
    const owned = new Map<string, string>();
    owned.set(documentA, tenantA);
    owned.set(conversationA, tenantA);
    const byOwner = (body: { tenantId?: string; id?: string; conversationId?: string }) => {
      const id = body.id ?? body.conversationId;
      if (!id || owned.get(id) !== body.tenantId)
        throw new RpcError('not_found', `no ${id} for ${body.tenantId}`);
    };
    responders.push(
      bus.serveJson<{ tenantId?: string; id?: string }>('rpc.answer.knowledge.>', (body) => {
        byOwner(body);
        const now = new Date().toISOString();
        return {
          id: body.id,
          title: 'Refunds',
          status: 'indexed',
          language: 'en',
          chunkCount: 1,
          progress: 1,
          error: null,
          createdAt: now,
          updatedAt: now,
        };
      }),
      bus.serveJson<{ tenantId?: string; conversationId?: string }>(
        'rpc.takeover.conversations.>',
        (body) => {
          byOwner(body);
          throw new RpcError('not_found', 'the stand-in keeps no transcripts');
        },
      ),
      bus.serveJson<{ tenantId: string }>(MeteringRpc.entitlements.subject, (body) => ({
        tenantId: body.tenantId,
        plan: 'pro',
        quota: 50_000,
        features: { discord: true, liveMonitoring: true, takeover: true, escalation: true },
      })),
      bus.serveJson<Record<string, unknown>>(ModerationRpc.logList.subject, (body) => {
        readViewRequests.push({ subject: ModerationRpc.logList.subject, body });
        return { entries: [], nextCursor: null };
      }),
      bus.serveJson<Record<string, unknown>>(SchedulerRpc.historyList.subject, (body) => {
        readViewRequests.push({ subject: SchedulerRpc.historyList.subject, body });
        return { entries: [], nextCursor: null };
      }),
    );
  }

  /** Tenant A's id for a parameter, or undefined when this test does not know the kind of id. */
  function idOfA(template: string, name: string): string | undefined {
    if (name === 'guildId') return GUILD_A;
    // A member of A's server, whose moderation entries only A may read.
    if (name === 'authorId') return AUTHOR_A;
    if (name !== 'id') return undefined;
    if (template.startsWith('/api/v1/api-keys/')) return keyIdA;
    if (template.startsWith('/api/v1/knowledge/documents/')) return documentA;
    if (template.startsWith('/api/v1/conversations/')) return conversationA;
    return undefined;
  }

  async function operationsWithIds(): Promise<Operation[]> {
    const document = (await call(api, '/api/docs/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    const operations: Operation[] = [];
    for (const [template, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = (operation.parameters ?? []).filter(
          (p) => (p.in === 'path' || p.in === 'query') && /(^id|Id)$/.test(p.name),
        );
        if (parameters.length) operations.push({ method: method.toUpperCase(), template, parameters });
      }
    }
    return operations;
  }

  function urlFor(operation: Operation): string {
    let path = operation.template;
    const query = new URLSearchParams();
    for (const parameter of operation.parameters) {
      const value = idOfA(operation.template, parameter.name)!;
      if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
      else query.set(parameter.name, value);
    }
    return query.size ? `${path}?${query}` : path;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'cross-tenant-test' });
    api = await startAdminApi(database.url);

    const browserA = new Browser(api);
    tenantA = (await browserA.signUp('owner@a.example', 'Tenant A')).body.tenant.id;
    const createdA = await browserA.post('/api/v1/api-keys', { name: 'A' });
    keyA = createdA.body.key;
    keyIdA = createdA.body.id;
    await api.app.get(GuildsService).link({
      tenantId: tenantA,
      guildId: GUILD_A,
      applicationId: '310000000000000009',
      name: 'A Community',
      icon: null,
    });

    browserB = new Browser(api);
    await browserB.signUp('owner@b.example', 'Tenant B');
    keyB = (await browserB.post('/api/v1/api-keys', { name: 'B' })).body.key;
    serveStandIns();
  });

  afterAll(async () => {
    await Promise.all(responders.map((responder) => responder.stop()));
    await api?.stop();
    await bus?.drain();
    await database?.drop();
    // Stopping drains every consumer and open stream of the service: slow on a loaded machine.
  }, 60_000);

  it('has a case for every route that takes an id', async () => {
    const operations = await operationsWithIds();
    const uncovered = operations.flatMap((operation) =>
      operation.parameters
        .filter((parameter) => idOfA(operation.template, parameter.name) === undefined)
        .map((parameter) => `${operation.method} ${operation.template} (${parameter.in} ${parameter.name})`),
    );
    expect(uncovered).toEqual([]);
    // The routes this test was written against are all there.
    expect(operations.map((o) => `${o.method} ${o.template}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/guilds/{guildId}',
        'DELETE /api/v1/guilds/{guildId}',
        'PUT /api/v1/guilds/{guildId}/settings',
        'DELETE /api/v1/api-keys/{id}',
        'GET /api/v1/knowledge/documents/{id}',
        'GET /api/v1/moderation/log',
        'GET /api/v1/proactive/history',
      ]),
    );
  });

  it("answers 404 to tenant B's key and session on every one of tenant A's ids", async () => {
    const answers: string[] = [];
    for (const operation of await operationsWithIds()) {
      const url = urlFor(operation);
      const body = BODIES[`${operation.method} ${operation.template}`];
      const byKey = await call(api, url, { method: operation.method, key: keyB, body });
      const bySession = await browserB.request(operation.method, url, { body });
      for (const [how, response] of [
        ['key', byKey],
        ['session', bySession],
      ] as const)
        answers.push(
          `${operation.method} ${url} by ${how}: ${response.status} ${response.body?.error?.code ?? ''}`.trim(),
        );
    }
    expect(answers.filter((answer) => !/: 404 not_found$/.test(answer))).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(2 * 7);
  });

  it("leaves tenant A's things as they were, and serves them to A", async () => {
    expect((await call(api, `/api/v1/guilds/${GUILD_A}`, { key: keyA })).status).toBe(200);
    expect((await call(api, `/api/v1/guilds/${GUILD_A}/settings`, { key: keyA })).status).toBe(200);
    expect((await call(api, `/api/v1/knowledge/documents/${documentA}`, { key: keyA })).status).toBe(200);
    expect((await call(api, '/api/v1/auth/me', { key: keyA })).status).toBe(200);
  });

  it('passes the read views through to moderation and the scheduler, scoped to the caller', async () => {
    readViewRequests.length = 0;
    const log = await call(
      api,
      `/api/v1/moderation/log?guildId=${GUILD_A}&action=ban&outcome=done&authorId=${AUTHOR_A}` +
        '&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&limit=10&cursor=abc',
      { key: keyA },
    );
    expect(log).toMatchObject({ status: 200, body: { entries: [], nextCursor: null } });
    const history = await call(api, '/api/v1/proactive/history?limit=5', { key: keyA });
    expect(history).toMatchObject({ status: 200, body: { entries: [], nextCursor: null } });
    expect(readViewRequests).toEqual([
      {
        subject: 'rpc.moderation.log.list',
        body: {
          tenantId: tenantA,
          guildId: GUILD_A,
          action: 'ban',
          outcome: 'done',
          authorId: AUTHOR_A,
          from: '2026-11-01T00:00:00Z',
          to: '2026-11-02T00:00:00Z',
          limit: 10,
          cursor: 'abc',
        },
      },
      { subject: 'rpc.scheduler.history.list', body: { tenantId: tenantA, limit: 5 } },
    ]);
    const tooMany = await call(api, '/api/v1/moderation/log?limit=500&action=explode&authorId=me', {
      key: keyA,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'action',
      'authorId',
      'limit',
    ]);
    const backwards = await call(
      api,
      '/api/v1/moderation/log?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z',
      {
        key: keyA,
      },
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details).toEqual([{ field: 'from', message: 'must not be after to' }]);
  });
});
