import { createTestDatabase, spawnService, waitFor, type TestDatabase } from '@steward/testing';
import { randomBytes } from 'node:crypto';
import { Browser } from '../../../services/admin-api/test/browser.js';
import type { AdminApi } from '../../../services/admin-api/test/support.js';
import { Stack } from '../src/stack.js';
import { REFUNDS } from '../src/knowledge.js';

const PUBLIC_URL = 'http://dashboard.example';

/**
 * The user story of a new tenant, through real processes: sign up, "Add to Discord" on the
 * sandbox's consent page, back to the dashboard with the server linked, and the bot answers
 * there. No local tenant: the bot serves the guild only because the install linked it.
 */
describe('install flow: sign up → Add to Discord → the bot answers in the new server', () => {
  let stack: Stack;
  let adminDatabase: TestDatabase;
  let owner: Browser;

  beforeAll(async () => {
    stack = await Stack.start({
      services: ['egress', 'metering', 'answer', 'router', 'gateway'],
      shardCount: 1,
      extraEnv: {
        STEWARD_LOCAL_TENANT_ID: '',
        STEWARD_LOCAL_API_KEY: '',
        STEWARD_LOCAL_ADMIN_EMAIL: '',
        STEWARD_LOCAL_ADMIN_PASSWORD: '',
      },
    });
    adminDatabase = await createTestDatabase();
    const admin = await spawnService('admin-api', {
      readyTimeoutMs: 60_000,
      env: {
        DATABASE_URL: adminDatabase.url,
        STEWARD_MIGRATE_ON_START: '1',
        LOG_LEVEL: 'info',
        ADMIN_PORT: '0',
        DISCORD_API_URL: stack.discord.apiUrl,
        DISCORD_APPLICATION_ID: stack.app.id,
        DISCORD_CLIENT_SECRET: stack.app.clientSecret,
        STEWARD_MASTER_KEY: randomBytes(32).toString('hex'),
        STEWARD_PUBLIC_URL: PUBLIC_URL,
      },
    });
    stack.services.set('admin-api', admin);
    owner = new Browser({ httpUrl: stack.adminUrl } as AdminApi);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await adminDatabase?.drop();
  });

  it('links the server the owner picks and answers a mention there from the tenant knowledge', async () => {
    const newGuild = stack.discord.createGuild({ name: 'Globex Community' });
    const member = stack.discord.createMember({ guildId: newGuild.id, username: 'carol' });
    await owner.signUp('owner@globex.example', 'Globex');

    const link = await owner.get('/api/v1/discord/install');
    const authorize = new URL(link.body.url);
    authorize.searchParams.set('guild_id', newGuild.id);
    authorize.searchParams.set('approve', '1');
    const consent = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    const landed = await owner.get(`${callback.pathname}${callback.search}`);
    expect(landed.headers.get('location')).toBe(`${PUBLIC_URL}/servers?connected=${newGuild.id}`);
    expect((await owner.get('/api/v1/guilds')).body.guilds.map((g: { id: string }) => g.id)).toEqual([
      newGuild.id,
    ]);
    // The Servers page learns that the bot is connected there and holds what it needs.
    const health = await waitFor(
      async () => {
        const [guild] = (await owner.get('/api/v1/guilds')).body.guilds;
        return guild.health.gateway === 'online' && guild.health.missingPermissions ? guild.health : undefined;
      },
      { timeoutMs: 15_000, message: 'the server to show as online' },
    );
    expect(health).toEqual({ gateway: 'online', gatewayFailure: null, missingPermissions: [] });

    const document = await owner.post('/api/v1/knowledge/documents', {
      title: REFUNDS.title,
      content: REFUNDS.content,
    });
    expect(document.status).toBe(201);
    await waitFor(
      async () =>
        (await owner.get(`/api/v1/knowledge/documents/${document.body.id}`)).body.status === 'indexed',
      {
        timeoutMs: 15_000,
        message: 'the document to be indexed',
      },
    );

    const question = stack.discord.postMessage({
      guildId: newGuild.id,
      channelId: newGuild.generalChannelId,
      authorId: member.user!.id,
      content: `<@${stack.app.botUserId}> can I get my money back?`,
    });
    const reply = await stack.discord.waitFor(
      () =>
        stack.discord
          .messages(newGuild.generalChannelId)
          .find(
            (m) => m.author.id === stack.app.botUserId && m.message_reference?.message_id === question.id,
          ),
      20_000,
    );
    expect(reply.content).toMatch(/14 days|Request refund/);
  });
});
