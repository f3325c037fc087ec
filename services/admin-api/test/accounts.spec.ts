import { Bus, type ServeHandle } from '@steward/bus';
import { MeteringRpc, type MeteringRequest } from '@steward/contracts';
import { createTestDatabase, waitFor, type TestDatabase } from '@steward/testing';
import { randomUUID } from 'node:crypto';
import { Browser } from './browser.js';
import { call, startAdminApi, type AdminApi } from './support.js';

/** Sign-up, sign-in, sessions with CSRF, roles, API keys and team, through real HTTP, NATS and Postgres. */
describe('accounts, sessions and keys', () => {
  let database: TestDatabase;
  let api: AdminApi;
  let bus: Bus;
  let metering: ServeHandle;
  const subscriptions: Array<MeteringRequest<'subscriptionSet'>> = [];
  const localTenantId = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'accounts-test' });
    // Metering's subscription RPC, as the metering service answers it.
    metering = bus.serveJson(MeteringRpc.subscriptionSet.subject, (body) => {
      const request = MeteringRpc.subscriptionSet.request.parse(body);
      subscriptions.push(request);
      return {
        tenantId: request.tenantId,
        plan: request.plan,
        anchorDay: 1,
        notifyEmails: request.notifyEmails ?? [],
        updatedAt: new Date().toISOString(),
      };
    });
    api = await startAdminApi(database.url, {
      STEWARD_LOCAL: '1',
      STEWARD_LOCAL_TENANT_ID: localTenantId,
      STEWARD_LOCAL_ADMIN_EMAIL: 'admin@steward.local',
      STEWARD_LOCAL_ADMIN_PASSWORD: 'local-password',
      // The tests stand for an ingress on this machine, telling each client's address.
      TRUST_PROXY: 'loopback',
    });
  });

  afterAll(async () => {
    await api?.stop();
    await metering?.stop();
    await bus?.drain();
    await database?.drop();
  });

  it('tells metering the seeded local tenant is on Pro', async () => {
    await waitFor(() => subscriptions.some((s) => s.tenantId === localTenantId), { timeoutMs: 5_000 });
    expect(subscriptions.find((s) => s.tenantId === localTenantId)).toEqual({
      tenantId: localTenantId,
      plan: 'pro',
      notifyEmails: ['admin@steward.local'],
    });
  });

  it('signs up a tenant on Starter, signed in with HttpOnly session and readable CSRF cookies, and tells metering', async () => {
    const browser = new Browser(api);
    const signup = await browser.post('/api/v1/auth/signup', {
      email: 'Owner@Acme.example',
      password: 'correct horse battery',
      tenantName: 'Acme',
    });
    expect(signup.status).toBe(201);
    expect(signup.body).toEqual({
      user: { id: expect.any(String), email: 'owner@acme.example', role: 'owner' },
      tenant: { id: expect.any(String), name: 'Acme', plan: 'starter' },
    });
    const [session, csrf] = signup.headers.getSetCookie();
    expect(session).toMatch(
      /^steward_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; SameSite=Lax; HttpOnly$/,
    );
    expect(csrf).toMatch(/^steward_csrf=[A-Za-z0-9_-]+; Path=\/; Max-Age=604800; SameSite=Lax$/);

    expect(await browser.get('/api/v1/auth/me')).toMatchObject({ status: 200, body: signup.body });
    const tenantId = signup.body.tenant.id;
    await waitFor(() => subscriptions.some((s) => s.tenantId === tenantId), { timeoutMs: 5_000 });
    expect(subscriptions.find((s) => s.tenantId === tenantId)).toEqual({
      tenantId,
      plan: 'starter',
      notifyEmails: ['owner@acme.example'],
    });
    // The session token is stored hashed only.
    const stored = JSON.stringify(await api.dataSource!.query('SELECT * FROM admin.sessions'));
    expect(stored).not.toContain(browser.cookies.get('steward_session'));

    const again = await new Browser(api).post('/api/v1/auth/signup', {
      email: 'owner@acme.example',
      password: 'another password',
      tenantName: 'Acme 2',
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'email_taken' } } });
    const invalid = await new Browser(api).post('/api/v1/auth/signup', {
      email: 'nope',
      password: 'short',
      tenantName: '',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'email',
      'password',
      'tenantName',
    ]);
  });

  it('marks the cookies Secure when the request came over https', async () => {
    const response = await call(api, '/api/v1/auth/signup', {
      body: { email: 'secure@acme.example', password: 'correct horse battery', tenantName: 'Secure' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(response.status).toBe(201);
    for (const cookie of response.headers.getSetCookie()) expect(cookie).toMatch(/; Secure$/);
  });

  it('logs in and out; the session stops working after logout', async () => {
    await new Browser(api).signUp('login@acme.example', 'Login Co');
    const browser = new Browser(api);
    const wrong = await browser.post('/api/v1/auth/login', {
      email: 'login@acme.example',
      password: 'wrong password',
    });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'invalid_credentials' } } });
    const unknown = await browser.post('/api/v1/auth/login', {
      email: 'nobody@acme.example',
      password: 'whatever',
    });
    expect(unknown.body.error).toEqual(wrong.body.error);

    const login = await browser.post('/api/v1/auth/login', {
      email: 'LOGIN@acme.example',
      password: 'correct horse battery',
    });
    expect(login).toMatchObject({
      status: 200,
      body: { user: { email: 'login@acme.example', role: 'owner' } },
    });
    expect((await browser.get('/api/v1/auth/me')).status).toBe(200);

    const sessionCookie = browser.cookies.get('steward_session');
    expect((await browser.post('/api/v1/auth/logout', undefined, { csrf: false })).status).toBe(403);
    const logout = await browser.post('/api/v1/auth/logout');
    expect(logout.status).toBe(204);
    expect(browser.cookies.size).toBe(0);
    const replayed = await call(api, '/api/v1/auth/me', {
      headers: { cookie: `steward_session=${sessionCookie}` },
    });
    expect(replayed).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
  });

  it('refuses unsafe requests made with the session cookie but without the CSRF header', async () => {
    const browser = new Browser(api);
    await browser.signUp('csrf@acme.example', 'Csrf Co');
    const forged = await browser.post('/api/v1/api-keys', { name: 'forged' }, { csrf: false });
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'csrf_failed' } } });
    const wrongToken = await browser.request('POST', '/api/v1/api-keys', {
      body: { name: 'forged' },
      csrf: false,
      headers: { 'x-csrf-token': 'guessed' },
    });
    expect(wrongToken.status).toBe(403);
    expect((await browser.get('/api/v1/api-keys')).body.keys).toEqual([]);
    expect((await browser.post('/api/v1/api-keys', { name: 'laptop' })).status).toBe(201);
  });

  it('throttles failed logins per address and per client IP, with Retry-After', async () => {
    await new Browser(api).signUp('victim@acme.example', 'Victim Co');
    const login = (email: string, password: string, ip: string) =>
      call(api, '/api/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });

    for (let attempt = 1; attempt <= 5; attempt++)
      expect((await login('victim@acme.example', `guess ${attempt}`, `10.0.0.${attempt}`)).status).toBe(401);
    const blocked = await login('victim@acme.example', 'correct horse battery', '10.0.0.99');
    expect(blocked).toMatchObject({ status: 429, body: { error: { code: 'too_many_attempts' } } });
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);

    // One IP trying many addresses is stopped too, while other IPs are not.
    for (let attempt = 1; attempt <= 20; attempt++)
      expect((await login(`spray-${attempt}@acme.example`, 'password1', '10.9.9.9')).status).toBe(401);
    expect((await login('spray-21@acme.example', 'password1', '10.9.9.9')).status).toBe(429);
    expect((await login('spray-21@acme.example', 'password1', '10.9.9.10')).status).toBe(401);
  });

  it('lets no more than 5 of 40 simultaneous guesses at one address through to the password check', async () => {
    await new Browser(api).signUp('burst@acme.example', 'Burst Co');
    const guesses = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        call(api, '/api/v1/auth/login', {
          body: { email: 'burst@acme.example', password: `guess ${n}` },
          headers: { 'x-forwarded-for': `10.7.0.${n + 1}` },
        }),
      ),
    );
    const statuses = guesses.map((guess) => guess.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(35);
    // The right password is refused too until the window has passed.
    const right = await call(api, '/api/v1/auth/login', {
      body: { email: 'burst@acme.example', password: 'correct horse battery' },
      headers: { 'x-forwarded-for': '10.7.1.1' },
    });
    expect(right.status).toBe(429);
  });

  it('believes a client address from a trusted proxy only: without one, X-Forwarded-For escapes no limit', async () => {
    const ownDatabase = await createTestDatabase();
    const direct = await startAdminApi(ownDatabase.url);
    try {
      const login = (attempt: number) =>
        call(direct, '/api/v1/auth/login', {
          body: { email: `spray-${attempt}@acme.example`, password: 'password1' },
          headers: { 'x-forwarded-for': `203.0.113.${attempt}` },
        });
      for (let attempt = 1; attempt <= 20; attempt++) expect((await login(attempt)).status).toBe(401);
      expect((await login(21)).status).toBe(429);
    } finally {
      await direct.stop();
      await ownDatabase.drop();
    }
  });

  it('keeps agents away from keys, team management and installing servers', async () => {
    const owner = new Browser(api);
    await owner.signUp('boss@acme.example', 'Team Co');
    const added = await owner.post('/api/v1/team/agents', {
      email: 'agent@acme.example',
      password: 'agent password 1',
    });
    expect(added).toMatchObject({ status: 201, body: { email: 'agent@acme.example', role: 'agent' } });
    expect(
      (await owner.post('/api/v1/team/agents', { email: 'agent@acme.example', password: 'agent password 1' }))
        .status,
    ).toBe(409);
    // The same new address twice at once (a double click): one account, and a clear answer to each.
    const twice = await Promise.all(
      [1, 2].map(() => owner.post('/api/v1/team/agents', { email: 'twin@acme.example', password: 'agent password 3' })),
    );
    expect(twice.map((response) => response.status).sort()).toEqual([201, 409]);

    const agent = new Browser(api);
    const login = await agent.post('/api/v1/auth/login', {
      email: 'agent@acme.example',
      password: 'agent password 1',
    });
    expect(login.body.user.role).toBe('agent');
    expect(login.body.tenant.id).toBe((await owner.get('/api/v1/auth/me')).body.tenant.id);

    for (const [method, path, body] of [
      ['GET', '/api/v1/api-keys'],
      ['POST', '/api/v1/api-keys', { name: 'mine' }],
      ['POST', '/api/v1/team/agents', { email: 'x@acme.example', password: 'agent password 2' }],
      ['GET', '/api/v1/discord/install'],
    ] as const) {
      const refused = await agent.request(method, path, { body });
      expect({ path, status: refused.status, code: refused.body?.error?.code }).toEqual({
        path,
        status: 403,
        code: 'forbidden',
      });
    }
    expect((await agent.get('/api/v1/guilds')).status).toBe(200);
    const team = await agent.get('/api/v1/team');
    expect(team.body.members.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      ['boss@acme.example', 'owner'],
      ['agent@acme.example', 'agent'],
      ['twin@acme.example', 'agent'],
    ]);
  });

  it('issues an API key once, accepts it, lists it without the secret, and refuses it once revoked', async () => {
    const owner = new Browser(api);
    await owner.signUp('keys@acme.example', 'Keys Co');
    const created = await owner.post('/api/v1/api-keys', { name: 'CI' });
    expect(created).toMatchObject({ status: 201, body: { id: expect.any(String), name: 'CI' } });
    const key: string = created.body.key;
    expect(key).toMatch(/^stw_[A-Za-z0-9_-]{43}$/);

    const me = await call(api, '/api/v1/auth/me', { key });
    expect(me).toMatchObject({ status: 200, body: { user: null, tenant: { name: 'Keys Co' } } });
    // Programs need no CSRF header.
    expect((await call(api, '/api/v1/api-keys', { key, body: { name: 'from a program' } })).status).toBe(201);

    const listed = await owner.get('/api/v1/api-keys');
    expect(listed.body.keys[0]).toEqual({
      id: created.body.id,
      name: 'CI',
      prefix: key.slice(0, 12),
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      revokedAt: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(key);

    expect((await owner.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await call(api, '/api/v1/auth/me', { key })).status).toBe(401);
    expect((await owner.request('DELETE', `/api/v1/api-keys/${randomUUID()}`)).status).toBe(404);
  });
});
