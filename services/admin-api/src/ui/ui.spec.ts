import { createTestDatabase, type TestDatabase } from '@steward/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAdminApi, type AdminApi } from '../../test/support.js';

/** The dashboard served at `/`: files, the SPA fallback, caching, and the API kept apart. */
describe('dashboard files at /', () => {
  let database: TestDatabase;
  let api: AdminApi;
  let uiDir: string;
  const INDEX = '<!doctype html><title>Steward</title><div id="root"></div>';
  const get = (pathname: string) => fetch(`${api.httpUrl}${pathname}`);

  beforeAll(async () => {
    uiDir = mkdtempSync(path.join(tmpdir(), 'steward-ui-'));
    mkdirSync(path.join(uiDir, 'assets'));
    writeFileSync(path.join(uiDir, 'index.html'), INDEX);
    writeFileSync(path.join(uiDir, 'assets', 'index-3f2a1b.js'), 'console.log("steward")');
    writeFileSync(path.join(uiDir, '.env'), 'SECRET=1');
    database = await createTestDatabase();
    // Read from the process environment, like the listen address (see ui.module.ts).
    process.env.STEWARD_UI_DIR = uiDir;
    api = await startAdminApi(database.url);
  });
  afterAll(async () => {
    delete process.env.STEWARD_UI_DIR;
    await api?.stop();
    await database?.drop();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('answers / with the entry page, revalidated on every visit', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX);
  });

  it("answers the app's own routes with the entry page, so a reload keeps the page", async () => {
    for (const route of ['/servers', '/servers/123456789012345678/setup', '/live?x=1']) {
      const response = await get(route);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const response = await get('/assets/index-3f2a1b.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe('console.log("steward")');
  });

  it('never serves files outside the folder, nor hidden files', async () => {
    for (const attempt of ['/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/.env']) {
      const response = await get(attempt);
      expect(await response.text()).toBe(INDEX);
    }
  });

  it('keeps /api answers as JSON: an unknown API route is a 404 error, not the page', async () => {
    const response = await get('/api/v1/no-such-route');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.objectContaining({ code: 'not_found' }) });
    const documents = await get('/api/v1/knowledge/documents');
    expect(documents.status).toBe(401);
    expect((await get('/api/docs/openapi.json')).headers.get('content-type')).toContain('application/json');
  });

  it('explains how to build the dashboard when it is missing', async () => {
    process.env.STEWARD_UI_DIR = path.join(uiDir, 'missing');
    const bare = await startAdminApi(database.url);
    try {
      const response = await fetch(`${bare.httpUrl}/servers`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build -w @steward/admin-ui');
    } finally {
      process.env.STEWARD_UI_DIR = uiDir;
      await bare.stop();
    }
  });
});
