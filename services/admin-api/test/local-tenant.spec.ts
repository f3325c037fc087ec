import { createTestDatabase, type TestDatabase } from '@steward/testing';
import { randomUUID } from 'node:crypto';
import { call, startAdminApi, type AdminApi } from './support.js';

/** `npm start` seeds the local tenant on every start; only changed settings may write. */
describe('local tenant seeding', () => {
  let database: TestDatabase;
  let api: AdminApi | undefined;
  const tenantId = randomUUID();
  const firstKey = `stw_${'a1B2'.repeat(8)}`;
  const local = (apiKey: string, password: string) => ({
    STEWARD_LOCAL: '1',
    STEWARD_LOCAL_TENANT_ID: tenantId,
    STEWARD_LOCAL_API_KEY: apiKey,
    STEWARD_LOCAL_ADMIN_EMAIL: 'Admin@Steward.Local',
    STEWARD_LOCAL_ADMIN_PASSWORD: password,
  });

  async function snapshot() {
    const db = api!.dataSource!;
    return {
      tenants: await db.query('SELECT id, name, plan, created_at FROM admin.tenants ORDER BY id'),
      users: await db.query(
        'SELECT id, tenant_id, email, password_hash, role, created_at FROM admin.users ORDER BY id',
      ),
      keys: await db.query(
        'SELECT id, tenant_id, name, prefix, key_hash, created_at, revoked_at FROM admin.api_keys ORDER BY id',
      ),
    };
  }

  async function restart(env: Record<string, string>) {
    await api?.stop();
    api = await startAdminApi(database.url, env);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await api?.stop();
    await database.drop();
  });

  it('creates the tenant, its key and its owner once, and changes nothing on a second start', async () => {
    await restart(local(firstKey, 'first-password'));
    const first = await snapshot();
    expect(first.tenants).toEqual([
      { id: tenantId, name: 'Local', plan: 'pro', created_at: expect.any(Date) },
    ]);
    expect(first.users).toEqual([
      expect.objectContaining({ tenant_id: tenantId, email: 'admin@steward.local', role: 'owner' }),
    ]);
    expect(first.users[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(first.keys).toEqual([
      expect.objectContaining({ tenant_id: tenantId, prefix: firstKey.slice(0, 12), revoked_at: null }),
    ]);
    expect(JSON.stringify(first)).not.toContain(firstKey);
    expect(
      (await call(api!, '/api/v1/knowledge/documents/' + randomUUID(), { key: firstKey })).status,
    ).not.toBe(401);

    await restart(local(firstKey, 'first-password'));
    expect(await snapshot()).toEqual(first);
  });

  it('replaces the key and the password when they change', async () => {
    const before = await snapshot();
    const secondKey = `stw_${'Zz9-'.repeat(8)}`;
    await restart(local(secondKey, 'second-password'));
    const after = await snapshot();

    expect(after.tenants).toEqual(before.tenants);
    expect(after.keys).toHaveLength(1);
    expect(after.keys[0].id).toBe(before.keys[0].id);
    expect(after.keys[0].key_hash).not.toBe(before.keys[0].key_hash);
    expect(after.users).toHaveLength(1);
    expect(after.users[0].password_hash).not.toBe(before.users[0].password_hash);

    expect((await call(api!, '/api/v1/knowledge/documents/' + randomUUID(), { key: firstKey })).status).toBe(
      401,
    );
    expect(
      (await call(api!, '/api/v1/knowledge/documents/' + randomUUID(), { key: secondKey })).status,
    ).not.toBe(401);
  });

  it('refuses to start with a malformed local API key, naming the variable', async () => {
    await api?.stop();
    api = undefined;
    await expect(startAdminApi(database.url, local('not-a-key', 'whatever-password'))).rejects.toThrow(
      /STEWARD_LOCAL_API_KEY must be "stw_" followed by at least 32 URL-safe characters/,
    );
  });
});
