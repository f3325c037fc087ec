import { Bus } from '@steward/bus';
import type { StewardEnv } from '@steward/config';
import { Buckets, DEFAULT_GUILD_SETTINGS, DirectoryRpc, type GuildDirectoryReply } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import {
  startDiscordSandbox,
  type ApplicationCredentials,
  type DiscordSandbox,
  type GuildSnapshot,
} from '@steward/sandbox';
import { createTestDatabase, resetJetStream, waitFor, type OpenTransaction, type TestDatabase } from '@steward/testing';
import { randomBytes } from 'node:crypto';
import { gatewayService } from '../../gateway/src/service.js';
import { routerService } from '../../router/src/service.js';
import { GuildConfigPublisher } from '../src/guilds/guild-config.publisher.js';
import { Browser } from './browser.js';
import { call, inProcessServiceEnv, startAdminApi, type AdminApi } from './support.js';

const PUBLIC_URL = 'http://dashboard.example';

/**
 * "Add to Discord" against the sandbox's OAuth2, the guild link, its configuration in KV, and
 * the settings routes checked against the real router's guild directory (fed by the real gateway).
 */
describe('install flow and guild settings', () => {
  let database: TestDatabase;
  let discord: DiscordSandbox;
  let app: ApplicationCredentials;
  let guild: GuildSnapshot;
  let bus: Bus;
  let api: AdminApi;
  const others: Array<RunningService<StewardEnv>> = [];
  let env: Record<string, string>;
  let owner: Browser;

  const kvConfig = (guildId: string) =>
    bus.getJson<Record<string, unknown>>(Buckets.configGuilds.name, guildId);

  /** An admin-api of this stack (another replica, or the same after a restart). */
  const startDashboardApi = () =>
    startAdminApi(database.url, {
      ...env,
      DISCORD_CLIENT_SECRET: 'platform-client-secret',
      STEWARD_MASTER_KEY: randomBytes(32).toString('hex'),
      STEWARD_PUBLIC_URL: PUBLIC_URL,
    });

  /** The owner clicks "Add to Discord", picks the guild and approves; the browser lands on the callback. */
  async function install(browser: Browser, guildId: string): Promise<URL> {
    const link = await browser.get('/api/v1/discord/install');
    expect(link.status).toBe(200);
    const authorize = new URL(link.body.url);
    authorize.searchParams.set('guild_id', guildId);
    authorize.searchParams.set('approve', '1');
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${PUBLIC_URL}/api/v1/discord/callback`);
    const landed = await browser.get(`${callback.pathname}${callback.search}`);
    expect(landed.status).toBe(302);
    return new URL(landed.headers.get('location')!);
  }

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    discord = await startDiscordSandbox({ identifyIntervalMs: 0 });
    app = discord.createApplication({ name: 'Steward', clientSecret: 'platform-client-secret' });
    guild = discord.createGuild({ name: 'Acme Community' });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'install-test' });
    env = {
      ...inProcessServiceEnv(database.url),
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_APPLICATION_ID: app.id,
      DISCORD_BOT_TOKEN: app.token,
    };
    others.push((await startService(routerService, env)) as unknown as RunningService<StewardEnv>);
    others.push((await startService(gatewayService, env)) as unknown as RunningService<StewardEnv>);
    api = await startDashboardApi();
    owner = new Browser(api);
    await owner.signUp('owner@acme.example', 'Acme');
  }, 30_000);

  afterAll(async () => {
    await api?.stop();
    for (const service of others.reverse()) await service.stop();
    await bus?.drain();
    await discord?.close();
    await database?.drop();
  });

  it('makes install links for a signed-in owner only: a link made with an API key could link whoever opens it', async () => {
    const created = await owner.post('/api/v1/api-keys', { name: 'automation' });
    expect(created.status).toBe(201);
    const refused = await call(api, '/api/v1/discord/install', { key: created.body.key });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'session_required' } } });
  });

  it('gives the authorize URL of the platform application with the scopes and permissions the features need', async () => {
    const { body } = await owner.get('/api/v1/discord/install');
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${discord.url}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: app.id,
      scope: 'bot applications.commands',
      permissions: '1408749349894',
      response_type: 'code',
      redirect_uri: `${PUBLIC_URL}/api/v1/discord/callback`,
      state: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
    });
  });

  it('links the guild the owner picked, publishes its configuration, and the bot is in the guild', async () => {
    const landed = await install(owner, guild.id);
    expect(landed.toString()).toBe(`${PUBLIC_URL}/servers?connected=${guild.id}`);
    expect(discord.guild(guild.id).members.map((member) => member.user.id)).toContain(app.botUserId);

    const tenantId = (await owner.get('/api/v1/auth/me')).body.tenant.id;
    expect((await owner.get('/api/v1/guilds')).body).toEqual({
      guilds: [
        {
          id: guild.id,
          name: 'Acme Community',
          iconUrl: null,
          connected: true,
          applicationId: app.id,
          responseMode: 'mention',
          moderationEnabled: false,
          health: expect.any(Object),
        },
      ],
    });
    // Once the gateway and the router have seen the guild: connected, with every permission it needs.
    const health = await waitFor(async () => {
      const [listed] = (await owner.get('/api/v1/guilds')).body.guilds;
      return listed.health.gateway === 'online' && listed.health.missingPermissions ? listed.health : undefined;
    });
    expect(health).toEqual({ gateway: 'online', gatewayFailure: null, missingPermissions: [] });
    expect(await kvConfig(guild.id)).toEqual({
      guildId: guild.id,
      tenantId,
      applicationId: app.id,
      plan: (await kvConfig(guild.id))!.plan,
      settings: DEFAULT_GUILD_SETTINGS,
      updatedAt: expect.any(String),
    });
  });

  it("shows the guild's channels and roles from the router's directory", async () => {
    let detail: Awaited<ReturnType<Browser['get']>> | undefined;
    await waitFor(
      async () => (detail = await owner.get(`/api/v1/guilds/${guild.id}`)).body.channels.length > 0,
      {
        timeoutMs: 10_000,
        message: 'the directory to learn the guild',
      },
    );
    expect(detail!.body.channels).toContainEqual({ id: guild.generalChannelId, name: 'general', type: 0 });
    expect(detail!.body.roles.map((role: { id: string }) => role.id)).toContain(guild.id);

    // The directory keeps threads too (moderation follows them to their parent); the server's
    // channel list leaves them out.
    const member = discord.createMember({ guildId: guild.id, username: 'thread-starter' }).user!.id;
    const starter = discord.postMessage({ channelId: guild.generalChannelId, authorId: member, content: 'discuss here' });
    const thread = discord.startThread({ messageId: starter.id, authorId: member, name: 'a thread' }).id;
    await waitFor(
      async () =>
        (await bus.requestJson<GuildDirectoryReply>(DirectoryRpc.guild.subject, { guildId: guild.id })).channels.some(
          (channel) => channel.id === thread,
        ),
      { timeoutMs: 10_000, message: "the router's directory to keep the thread" },
    );
    const channels = (await owner.get(`/api/v1/guilds/${guild.id}`)).body.channels.map((channel: { id: string }) => channel.id);
    expect(channels).toContain(guild.generalChannelId);
    expect(channels).not.toContain(thread);
  });

  it('refuses settings that cannot work, naming each field, and publishes the ones that can', async () => {
    const path = `/api/v1/guilds/${guild.id}/settings`;
    const unknown = '123456789012345678';
    const refused = await owner.request('PUT', path, {
      body: {
        channelOverrides: { [unknown]: 'off' },
        staffRoleIds: [unknown],
        moderation: { enabled: true, rules: '' },
        proactive: { frequency: '3h' },
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { field: 'proactive.frequency', message: 'must be one of 2h, 4h, 6h, 12h, daily, 2d, weekly' },
    ]);
    const semantic = await owner.request('PUT', path, {
      body: {
        channelOverrides: { [unknown]: 'off' },
        staffRoleIds: [unknown],
        moderation: { enabled: true },
      },
    });
    expect(semantic.body.error).toEqual({
      code: 'validation_failed',
      message: expect.any(String),
      details: [
        {
          field: 'moderation.rules',
          message: expect.stringMatching(/must not be empty while moderation is enabled/),
        },
        { field: `channelOverrides.${unknown}`, message: 'is not a channel of this server' },
        { field: 'staffRoleIds.0', message: `${unknown} is not a role of this server` },
      ],
    });
    // Longer lists than a server can have are refused before anything is stored or published.
    const channelIds = Array.from({ length: 501 }, (_, n) => String(100000000000000000n + BigInt(n)));
    const oversized = await owner.request('PATCH', path, {
      body: {
        staffRoleIds: Array.from({ length: 251 }, () => unknown),
        channelOverrides: Object.fromEntries(channelIds.map((id) => [id, 'off'])),
        moderation: { exemptChannelIds: channelIds },
      },
    });
    expect(oversized.status).toBe(400);
    expect(oversized.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'staffRoleIds', message: 'must list at most 250 roles (a server has no more)' },
        { field: 'channelOverrides', message: 'must name at most 500 channels (a server has no more)' },
        { field: 'moderation.exemptChannelIds', message: 'must list at most 500 channels (a server has no more)' },
      ]),
    );
    expect(oversized.body.error.details).toHaveLength(3);

    const saved = await owner.request('PATCH', path, {
      body: {
        responseMode: 'all',
        channelOverrides: { [guild.generalChannelId]: 'ask' },
        moderation: { enabled: true, rules: 'No spam.', actions: { warn: true } },
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.moderation.actions).toEqual({
      ...DEFAULT_GUILD_SETTINGS.moderation.actions,
      warn: true,
    });
    expect((await kvConfig(guild.id))!.settings).toEqual(saved.body);
    expect((await owner.get(path)).body).toEqual(saved.body);
    // Merge patch: null takes an override away.
    const patched = await owner.request('PATCH', path, {
      body: { channelOverrides: { [guild.generalChannelId]: null } },
    });
    expect(patched.body.channelOverrides).toEqual({});
    expect(patched.body.responseMode).toBe('all');
  });

  it('keeps every change that was answered 200 when saves of the same server overlap', async () => {
    const path = `/api/v1/guilds/${guild.id}/settings`;
    await owner.request('PUT', path, { body: {} });
    // Each save reads the settings, checks them against the directory, then stores them.
    const changes = [{ responseMode: 'all' }, { smartMode: false }, { channelContext: true }, { replyInThread: true }];
    const answers = await Promise.all(changes.map((body) => owner.request('PATCH', path, { body })));
    for (const answer of answers) expect([200, 409]).toContain(answer.status);
    expect(answers.some((answer) => answer.status === 200)).toBe(true);
    const stored = (await owner.get(path)).body;
    changes.forEach((change, index) => {
      if (answers[index]!.status === 200) expect(stored).toMatchObject(change);
      else expect(answers[index]!.body.error.code).toBe('conflict');
    });
    expect((await kvConfig(guild.id))!.settings).toEqual(stored);
  });

  it('answers 503 and keeps the settings as they were when NATS refuses the configuration', async () => {
    const path = `/api/v1/guilds/${guild.id}/settings`;
    const before = (await owner.get(path)).body;
    const published = await kvConfig(guild.id);
    // JetStream loses the bucket the configuration goes to.
    await bus.jsm.streams.delete(`KV_${Buckets.configGuilds.name}`);
    try {
      const refused = await owner.request('PATCH', path, { body: { responseMode: 'ask' } });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('service_unavailable');
      expect((await owner.get(path)).body).toEqual(before);
    } finally {
      await bus.ensureBuckets([Buckets.configGuilds]);
      await bus.putJson(Buckets.configGuilds.name, guild.id, published);
    }
    const saved = await owner.request('PATCH', path, { body: { responseMode: 'ask' } });
    expect(saved.status).toBe(200);
    expect((await kvConfig(guild.id))!.settings).toEqual(saved.body);
  });

  it('refuses a guild another tenant holds until that tenant releases it', async () => {
    const rival = new Browser(api);
    await rival.signUp('rival@globex.example', 'Globex');
    expect((await install(rival, guild.id)).searchParams.get('error')).toBe('guild_taken');
    expect((await rival.get('/api/v1/guilds')).body.guilds).toEqual([]);
    expect(((await kvConfig(guild.id)) as { tenantId: string }).tenantId).not.toBe(
      (await rival.get('/api/v1/auth/me')).body.tenant.id,
    );

    expect((await owner.request('DELETE', `/api/v1/guilds/${guild.id}`)).status).toBe(204);
    expect(await kvConfig(guild.id)).toBeUndefined();
    expect((await owner.get('/api/v1/guilds')).body.guilds).toEqual([]);

    expect((await install(rival, guild.id)).searchParams.get('connected')).toBe(guild.id);
    expect(((await kvConfig(guild.id)) as { tenantId: string }).tenantId).toBe(
      (await rival.get('/api/v1/auth/me')).body.tenant.id,
    );
    expect(((await kvConfig(guild.id)) as { settings: unknown }).settings).toEqual(DEFAULT_GUILD_SETTINGS);
  });

  it('refuses a forged or foreign state, and a flow finished outside the session that started it', async () => {
    const link = new URL((await owner.get('/api/v1/discord/install')).body.url);
    const state = link.searchParams.get('state')!;
    const forged = `${state.split('.')[0]}.${'A'.repeat(43)}`;
    const tampered = await owner.get(`/api/v1/discord/callback?code=x&state=${encodeURIComponent(forged)}`);
    expect(tampered.headers.get('location')).toBe(`${PUBLIC_URL}/servers?error=invalid_state`);
    const elsewhere = await new Browser(api).get(
      `/api/v1/discord/callback?code=x&state=${encodeURIComponent(state)}`,
    );
    expect(elsewhere.headers.get('location')).toBe(`${PUBLIC_URL}/servers?error=session_mismatch`);
    const denied = await owner.get(
      `/api/v1/discord/callback?error=access_denied&state=${encodeURIComponent(state)}`,
    );
    expect(denied.headers.get('location')).toBe(`${PUBLIC_URL}/servers?error=access_denied`);
    const badCode = await owner.get(
      `/api/v1/discord/callback?code=not-a-code&state=${encodeURIComponent(state)}`,
    );
    expect(badCode.headers.get('location')).toBe(`${PUBLIC_URL}/servers?error=exchange_failed`);
  });

  it('rebuilds KV from Postgres at start: lost entries come back, stale ones go', async () => {
    const kv = await bus.kv(Buckets.configGuilds.name);
    const before = await kvConfig(guild.id);
    await kv.delete(guild.id);
    await bus.putJson(Buckets.configGuilds.name, '999999999999999999', { guildId: '999999999999999999' });
    // A guild whose stored settings no longer pass (saved before a limit existed), first in line:
    // it is left out, and the guilds after it still get their copy.
    const unpublishable = '000000000000000001';
    const inserted = await database.query(
      `INSERT INTO admin.guilds (guild_id, tenant_id, application_id, name, settings)
       SELECT $1, tenant_id, application_id, 'Old', jsonb_build_object('staffRoleIds', to_jsonb(array_fill($2::text, ARRAY[251])))
       FROM admin.guilds WHERE guild_id = $3
       RETURNING guild_id`,
      [unpublishable, '123456789012345678', guild.id],
    );
    expect(inserted).toHaveLength(1);
    await api.stop();
    api = await startDashboardApi();
    await api.app.get(GuildConfigPublisher).reconciled;
    expect(await kvConfig(guild.id)).toEqual(before);
    expect(await kvConfig('999999999999999999')).toBeUndefined();
    expect(await kvConfig(unpublishable)).toBeUndefined();
    await database.query('DELETE FROM admin.guilds WHERE guild_id = $1', [unpublishable]);
  });

  /**
   * A rolling deploy: a second admin-api starts while this one serves. `change` is a link or a
   * save in flight (its row written and its configuration in KV, not yet committed); it commits
   * once the new replica's start-up republish waits for it, or is done without it.
   */
  async function startReplicaDuring(change: OpenTransaction): Promise<void> {
    const replica = await startDashboardApi();
    try {
      await change.commitOnceWaitedFor(replica.app.get(GuildConfigPublisher).reconciled);
    } finally {
      await change.rollback();
      await replica.stop();
    }
  }

  it("does not put back old settings over a save made while another replica starts", async () => {
    const before = (await kvConfig(guild.id))!;
    const save = await database.begin();
    const [saved] = await save.query<{ settings: Record<string, unknown>; updated_at: Date }>(
      `UPDATE admin.guilds SET settings = jsonb_set(settings, '{smartMode}', to_jsonb(NOT (settings->>'smartMode')::boolean)),
              updated_at = now()
        WHERE guild_id = $1 RETURNING settings, updated_at`,
      [guild.id],
    );
    const savedConfig = { ...before, settings: saved!.settings, updatedAt: saved!.updated_at.toISOString() };
    await bus.putJson(Buckets.configGuilds.name, guild.id, savedConfig);
    await startReplicaDuring(save);
    expect(await kvConfig(guild.id)).toEqual(savedConfig);
    expect((saved!.settings as { smartMode: boolean }).smartMode).toBe(!(before.settings as { smartMode: boolean }).smartMode);
  });

  it('does not take a server linked while another replica starts for stale', async () => {
    const linkedGuildId = '000000000000000002';
    const link = await database.begin();
    const [row] = await link.query<{ tenant_id: string; application_id: string }>(
      `INSERT INTO admin.guilds (guild_id, tenant_id, application_id, name, settings)
       SELECT $1, tenant_id, application_id, 'Newly linked', $2 FROM admin.guilds WHERE guild_id = $3
       RETURNING tenant_id, application_id`,
      [linkedGuildId, DEFAULT_GUILD_SETTINGS, guild.id],
    );
    const linkedConfig = {
      guildId: linkedGuildId,
      tenantId: row!.tenant_id,
      applicationId: row!.application_id,
      plan: (await kvConfig(guild.id))!.plan,
      settings: DEFAULT_GUILD_SETTINGS,
    };
    await bus.putJson(Buckets.configGuilds.name, linkedGuildId, linkedConfig);
    await startReplicaDuring(link);
    expect(await kvConfig(linkedGuildId)).toEqual(linkedConfig);
    await database.query('DELETE FROM admin.guilds WHERE guild_id = $1', [linkedGuildId]);
  });

  it('stops without waiting for the start-up republish of every server, and the next start finishes it', async () => {
    // Enough servers that republishing them all takes a good while longer than starting does.
    const added = 4_000;
    const firstAdded = 700_000_000_000_000_001n;
    const lastAddedId = String(firstAdded + BigInt(added - 1));
    await database.query(
      `INSERT INTO admin.guilds (guild_id, tenant_id, application_id, name, settings)
       SELECT ($2::bigint + n)::text, tenant_id, application_id, 'Server ' || n, settings
         FROM admin.guilds, generate_series(0, $3 - 1) AS n WHERE guild_id = $1`,
      [guild.id, String(firstAdded), added],
    );
    const [{ linked }] = await database.query<{ linked: number }>('SELECT count(*)::int AS linked FROM admin.guilds');
    try {
      const stopped = await startDashboardApi();
      const stoppedPublisher = stopped.app.get(GuildConfigPublisher);
      await stopped.stop();
      const cut = await stoppedPublisher.reconciled;
      expect(cut).toMatchObject({ interrupted: true, removed: 0 });
      expect(cut!.published).toBeLessThan(linked);
      expect(await kvConfig(lastAddedId)).toBeUndefined();

      const restarted = await startDashboardApi();
      try {
        expect(await restarted.app.get(GuildConfigPublisher).reconciled).toMatchObject({
          published: linked,
          interrupted: false,
        });
        expect(await kvConfig(lastAddedId)).toMatchObject({ guildId: lastAddedId, tenantId: (await kvConfig(guild.id))!.tenantId });
      } finally {
        await restarted.stop();
      }
    } finally {
      await database.query('DELETE FROM admin.guilds WHERE guild_id::bigint >= $1', [String(firstAdded)]);
      await api.app.get(GuildConfigPublisher).reconcile();
    }
  });
});
