import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { AnswerConfig } from '../../answer/src/config.js';
import { answerService } from '../../answer/src/service.js';
import { AccountsService } from '../src/accounts/accounts.service.js';
import { call, inProcessServiceEnv, startAdminApi, type AdminApi } from './support.js';

/** Knowledge added through the API is stored and indexed by the real answer service. */
describe('knowledge API with the answer service', () => {
  let database: TestDatabase;
  let answer: RunningService<AnswerConfig>;
  let api: AdminApi;
  let key: string;

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    const env = inProcessServiceEnv(database.url);
    answer = await startService(answerService, env);
    api = await startAdminApi(database.url);
    const accounts = api.app.get(AccountsService);
    const tenant = await accounts.createTenant({ name: 'Acme', plan: 'pro' });
    key = (await accounts.issueApiKey(tenant.id, 'ci')).key;
  });

  afterAll(async () => {
    await api?.stop();
    await answer?.stop();
    await database?.drop();
  });

  it('stores a document and shows it indexed', async () => {
    const created = await call(api, '/api/v1/knowledge/documents', {
      key,
      body: {
        title: 'Passwords',
        content:
          '# Resetting your password\nOpen Settings and choose Forgot password. We email you a reset link.',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      status: expect.stringMatching(/^(pending|indexing|indexed)$/),
    });

    const path = `/api/v1/knowledge/documents/${created.body.id}`;
    await waitFor(async () => (await call(api, path, { key })).body.status === 'indexed', {
      timeoutMs: 10_000,
    });
    const document = await call(api, path, { key });
    expect(document.body).toMatchObject({
      id: created.body.id,
      title: 'Passwords',
      status: 'indexed',
      language: 'en',
      progress: 1,
      error: null,
    });
    expect(document.body.chunkCount).toBeGreaterThan(0);

    expect((await call(api, '/api/v1/knowledge/documents', { key })).body.documents).toEqual([document.body]);
  });
});
