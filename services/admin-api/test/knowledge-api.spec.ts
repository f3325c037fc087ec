import { Bus, RpcError, type ServeHandle } from '@steward/bus';
import { Rpc, type DocumentView } from '@steward/contracts';
import { createTestDatabase, type TestDatabase } from '@steward/testing';
import { randomUUID } from 'node:crypto';
import { AccountsService } from '../src/accounts/accounts.service.js';
import { hashApiKey } from '../src/accounts/api-key-secret.js';
import { call, startAdminApi, type AdminApi } from './support.js';

/**
 * The knowledge routes through real HTTP, NATS and Postgres, with a small stand-in for the
 * answer service's knowledge RPC that keeps documents per tenant.
 */
describe('knowledge API', () => {
  let database: TestDatabase;
  let api: AdminApi;
  let bus: Bus;
  let responders: ServeHandle[] = [];
  let keyA: string;
  let keyB: string;
  let revokedKey: string;
  const stored = new Map<string, DocumentView & { tenantId: string }>();

  function serveKnowledge() {
    responders = [
      bus.serveJson(Rpc.knowledgeAdd.subject, (body) => {
        const request = Rpc.knowledgeAdd.request.parse(body);
        const now = new Date().toISOString();
        const id = randomUUID();
        stored.set(id, {
          id,
          tenantId: request.tenantId,
          title: request.title,
          status: 'pending',
          language: null,
          chunkCount: 0,
          progress: 0,
          error: null,
          createdAt: now,
          updatedAt: now,
        });
        return { id, status: 'pending' };
      }),
      bus.serveJson(Rpc.knowledgeGet.subject, (body) => {
        const request = Rpc.knowledgeGet.request.parse(body);
        const document = stored.get(request.id);
        if (!document || document.tenantId !== request.tenantId)
          throw new RpcError('not_found', `no knowledge document ${request.id}`);
        const { tenantId: _tenant, ...view } = document;
        return view;
      }),
      bus.serveJson(Rpc.knowledgeList.subject, (body) => {
        const request = Rpc.knowledgeList.request.parse(body);
        return {
          documents: [...stored.values()]
            .filter((d) => d.tenantId === request.tenantId)
            .map(({ tenantId: _t, ...view }) => view),
        };
      }),
    ];
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startAdminApi(database.url);
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'knowledge-api-test' });
    serveKnowledge();

    const accounts = api.app.get(AccountsService);
    const tenantA = await accounts.createTenant({ name: 'Acme', plan: 'standard' });
    const tenantB = await accounts.createTenant({ name: 'Globex', plan: 'starter' });
    keyA = (await accounts.issueApiKey(tenantA.id, 'ci')).key;
    keyB = (await accounts.issueApiKey(tenantB.id, 'ci')).key;
    const revoked = await accounts.issueApiKey(tenantA.id, 'old laptop');
    revokedKey = revoked.key;
    expect(await accounts.revokeApiKey(tenantA.id, revoked.apiKey.id)).toBe(true);
  });

  afterAll(async () => {
    await Promise.all(responders.map((r) => r.stop()));
    await bus?.drain();
    await api?.stop();
    await database?.drop();
  });

  it('stores a document and shows it to its tenant only', async () => {
    const created = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: {
        title: '  Resetting your password ',
        content: 'Open Settings, then Account, then Reset password.',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), status: 'pending' });

    const fetched = await call(api, `/api/v1/knowledge/documents/${created.body.id}`, { key: keyA });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      id: created.body.id,
      title: 'Resetting your password',
      status: 'pending',
    });

    const listA = await call(api, '/api/v1/knowledge/documents', { key: keyA });
    expect(listA.body.documents.map((d: DocumentView) => d.id)).toEqual([created.body.id]);

    const asB = await call(api, `/api/v1/knowledge/documents/${created.body.id}`, { key: keyB });
    expect(asB.status).toBe(404);
    expect(asB.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await call(api, '/api/v1/knowledge/documents', { key: keyB })).body).toEqual({ documents: [] });

    const unknown = await call(api, `/api/v1/knowledge/documents/${randomUUID()}`, { key: keyA });
    expect(unknown.status).toBe(404);
  });

  it('refuses requests without a valid key, with the same answer whatever was wrong', async () => {
    const attempts = [
      {},
      { key: 'stw_' + 'x'.repeat(43) },
      { key: revokedKey },
      { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
      { headers: { authorization: `Bearer ${keyA}extra` } },
    ];
    for (const attempt of attempts) {
      const response = await call(api, '/api/v1/knowledge/documents', attempt);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body).toEqual({
        error: {
          code: 'unauthorized',
          message: 'Authentication required: send Authorization: Bearer <api key> with a valid key',
        },
      });
    }
  });

  it('records when a key was last used, at most once a minute', async () => {
    const lastUsed = async (key: string): Promise<Date | null> =>
      (
        await api.dataSource!.query('SELECT last_used_at FROM admin.api_keys WHERE key_hash = $1', [
          hashApiKey(key),
        ])
      )[0].last_used_at;
    await call(api, '/api/v1/knowledge/documents', { key: keyB });
    const first = await lastUsed(keyB);
    expect(first).toBeInstanceOf(Date);
    expect(await lastUsed(revokedKey)).toBeNull();

    await call(api, '/api/v1/knowledge/documents', { key: keyB });
    expect(await lastUsed(keyB)).toEqual(first);

    await api.dataSource!.query(
      "UPDATE admin.api_keys SET last_used_at = now() - interval '2 minutes' WHERE key_hash = $1",
      [hashApiKey(keyB)],
    );
    const aged = await lastUsed(keyB);
    await call(api, '/api/v1/knowledge/documents', { key: keyB });
    expect((await lastUsed(keyB))!.getTime()).toBeGreaterThan(aged!.getTime());
  });

  it('explains invalid input field by field', async () => {
    const missingTitle = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: { content: 'text' },
    });
    expect(missingTitle.status).toBe(400);
    expect(missingTitle.body).toEqual({
      error: {
        code: 'validation_failed',
        message: 'title is required',
        details: [{ field: 'title', message: 'is required' }],
      },
    });

    const emptyContent = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: { title: 'FAQ', content: '   ' },
    });
    expect(emptyContent.status).toBe(400);
    expect(emptyContent.body.error.details).toEqual([{ field: 'content', message: 'must not be empty' }]);

    const wrongTypes = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: { title: 42, content: ['a'] },
    });
    expect(wrongTypes.body.error.details).toEqual([
      { field: 'title', message: 'must be a string' },
      { field: 'content', message: 'must be a string' },
    ]);

    const brokenJson = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: '{"title": "FAQ", ',
    });
    expect(brokenJson.status).toBe(400);
    expect(brokenJson.body.error).toMatchObject({
      code: 'invalid_json',
      details: [{ field: 'request body', message: 'must be valid JSON' }],
    });

    const plainText = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: 'title=FAQ',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plainText.status).toBe(415);
    expect(plainText.body.error).toEqual({
      code: 'unsupported_media_type',
      message: 'Send the request body as JSON with Content-Type: application/json',
    });

    const notAnObject = await call(api, '/api/v1/knowledge/documents', { key: keyA, body: '["FAQ"]' });
    expect(notAnObject.status).toBe(400);
    expect(notAnObject.body.error.details).toEqual([
      { field: 'request body', message: 'must be a JSON object' },
    ]);

    const form = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: 'title=FAQ',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');

    const badId = await call(api, '/api/v1/knowledge/documents/not-a-uuid', { key: keyA });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });

  it('refuses a body over the size limit', async () => {
    const huge = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: { title: 'Big', content: 'a'.repeat(1024 * 1024 + 10) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });

  it('answers 404 in the error shape for routes that do not exist', async () => {
    const response = await call(api, '/api/v1/nothing-here', { key: keyA });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('answers 503 with a clear message while the answer service is not running', async () => {
    await Promise.all(responders.map((r) => r.stop()));
    responders = [];
    const response = await call(api, '/api/v1/knowledge/documents', {
      key: keyA,
      body: { title: 'FAQ', content: 'text' },
    });
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      error: {
        code: 'service_unavailable',
        message: 'The answer service is not running right now; try again shortly',
      },
    });
  });

  it('counts requests by route template and status for the metrics endpoint', async () => {
    const metrics = await (await fetch(`${api.ops.url}/metrics`)).text();
    expect(metrics).toMatch(
      /steward_admin_http_requests_total\{method="GET",route="\/api\/v1\/knowledge\/documents\/:id",status="404"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /steward_admin_http_requests_total\{method="POST",route="\/api\/v1\/knowledge\/documents",status="201"\} [1-9]/,
    );
  });

  it('documents every route, the error shape and bearer auth in OpenAPI', async () => {
    const document = await call(api, '/api/docs/openapi.json');
    expect(document.status).toBe(200);
    const { paths, components } = document.body;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/knowledge/documents',
        '/api/v1/knowledge/documents/{id}',
        '/api/v1/knowledge/documents/upload',
        '/api/v1/knowledge/documents/import',
        '/api/v1/knowledge/documents/{id}/reindex',
        '/api/v1/knowledge/search',
        '/api/v1/knowledge/unanswered',
        '/api/v1/bot',
      ]),
    );
    expect(Object.keys(paths['/api/v1/knowledge/documents/upload'].post.requestBody.content)).toEqual(['multipart/form-data']);
    const add = paths['/api/v1/knowledge/documents'].post;
    expect(add.security).toEqual([{ bearer: [] }]);
    expect(JSON.stringify(add.requestBody)).toContain('NewDocument');
    expect(Object.keys(add.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '413', '503']));
    expect(components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });

    const page = await fetch(`${api.httpUrl}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    for (const asset of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const response = await fetch(`${api.httpUrl}${asset[1]}`);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect((await call(api, '/api/docs/assets/..%2Fpackage.json')).status).toBe(400);
  });
});
