import { create, toBinary } from '@bufbuild/protobuf';
import { randomBytes, sign } from 'node:crypto';
import { Bus } from '@steward/bus';
import { Buckets, commandSubject, DiscordCommandSchema } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import {
  startDiscordSandbox,
  type ApplicationCredentials,
  type DiscordSandbox,
  type GuildSnapshot,
} from '@steward/sandbox';
import { botApplicationEntry, SecretBox, type BotApplicationEntry } from '@steward/secrets';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { egressService } from '../../egress/src/service.js';
import { gatewayService } from '../../gateway/src/service.js';
import { interactionsService } from '../../interactions/src/service.js';
import { AccountsService } from '../src/accounts/accounts.service.js';
import { call, startAdminApi, type AdminApi } from './support.js';

/**
 * A tenant brings its own bot: admin-api checks the token with Discord, stores it sealed and
 * publishes it to KV config-apps; the real gateway, interactions and egress services pick it up.
 */
describe('custom bot', () => {
  const masterKey = randomBytes(32).toString('hex');
  /** The key admin-api rotates to; the other services were rolled out knowing both already. */
  const rotatedKey = randomBytes(32).toString('hex');
  let sandbox: DiscordSandbox;
  let platform: ApplicationCredentials;
  let own: ApplicationCredentials;
  let guild: GuildSnapshot;
  let database: TestDatabase;
  let api: AdminApi;
  const services: Array<RunningService<unknown>> = [];
  let interactionsUrl: string;
  let bus: Bus;
  let keyA: string;
  let keyB: string;

  const common = () => ({
    NATS_URL: process.env.NATS_URL!,
    LOG_LEVEL: 'silent',
    OPS_PORT: '0',
    DISCORD_API_URL: sandbox.apiUrl,
    STEWARD_MASTER_KEY: rotatedKey,
    STEWARD_MASTER_KEY_PREVIOUS: masterKey,
  });
  const startApi = (env: Record<string, string> = {}) =>
    startAdminApi(database.url, {
      ...common(),
      STEWARD_MASTER_KEY: masterKey,
      STEWARD_MASTER_KEY_PREVIOUS: '',
      DISCORD_APPLICATION_ID: platform.id,
      STEWARD_PUBLIC_URL: 'https://steward.example.com',
      ...env,
    });
  const ownBot = () => ({ applicationId: own.id, publicKey: own.publicKey, token: own.token });

  beforeAll(async () => {
    await resetJetStream();
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0 });
    platform = sandbox.createApplication({ name: 'Steward' });
    own = sandbox.createApplication({ name: 'Acme Helper' });
    guild = sandbox.createGuild({ name: 'Acme', applicationIds: [own.id] });
    database = await createTestDatabase();
    api = await startApi();
    const platformBot = { DISCORD_BOT_TOKEN: platform.token, DISCORD_APPLICATION_ID: platform.id };
    services.push(
      (await startService(gatewayService, {
        ...common(),
        ...platformBot,
        GATEWAY_IDENTIFY_INTERVAL_MS: '50',
      })) as RunningService<unknown>,
      (await startService(egressService, common())) as RunningService<unknown>,
    );
    process.env.HTTP_HOST = '127.0.0.1';
    const interactions = await startService(interactionsService, {
      ...common(),
      ...platformBot,
      DISCORD_PUBLIC_KEY: platform.publicKey,
      INTERACTIONS_PORT: '0',
    });
    services.push(interactions as RunningService<unknown>);
    interactionsUrl = `${interactions.httpUrl}/discord/webhook/`;
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'custom-bot-test' });

    const accounts = api.app.get(AccountsService);
    keyA = (await accounts.issueApiKey((await accounts.createTenant({ name: 'Acme', plan: 'pro' })).id, 'ci'))
      .key;
    keyB = (
      await accounts.issueApiKey((await accounts.createTenant({ name: 'Globex', plan: 'pro' })).id, 'ci')
    ).key;
  });

  afterAll(async () => {
    await bus?.drain();
    for (const service of services.reverse()) await service.stop();
    await api?.stop();
    await database?.drop();
    await sandbox?.close();
  });

  const storedRow = async () =>
    (
      (await api.dataSource!.query(
        'SELECT to_jsonb(b)::text AS row, key_id FROM bots b WHERE application_id = $1',
        [own.id],
      )) as Array<{
        row: string;
        key_id: string;
      }>
    )[0];
  /** Discord's PING for the tenant's application, signed with `key`, at the interactions endpoint. */
  async function ping(key: ApplicationCredentials['privateKey']) {
    const body = JSON.stringify({
      id: '100000000000000001',
      application_id: own.id,
      type: 1,
      token: 'ping',
      version: 1,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(interactionsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature-timestamp': timestamp,
        'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), key).toString('hex'),
      },
      body,
    });
    return { status: response.status, body: await response.json() };
  }
  const publishedEntry = () => bus.getJson<BotApplicationEntry>(Buckets.configApps.name, own.id);

  it('starts on the platform bot and shows the endpoint URL for the Developer Portal', async () => {
    const bot = await call(api, '/api/v1/bot', { key: keyA });
    expect(bot.status).toBe(200);
    expect(bot.body).toEqual({
      mode: 'platform',
      applicationId: null,
      publicKey: null,
      botUsername: null,
      interactionsEndpointUrl: 'https://steward.example.com/discord/webhook/',
    });
  });

  it('refuses a token Discord rejects, and one of another application, saving nothing', async () => {
    const badToken = `${Buffer.from(own.id).toString('base64url')}.invalid.${randomBytes(20).toString('base64url')}`;
    const rejected = await call(api, '/api/v1/bot', {
      key: keyA,
      method: 'PUT',
      body: { ...ownBot(), token: badToken },
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toMatchObject({
      code: 'bot_token_rejected',
      message: expect.stringMatching(/^Discord rejected this bot token/),
    });
    expect(JSON.stringify(rejected.body)).not.toContain(badToken);

    const otherApplication = await call(api, '/api/v1/bot', {
      key: keyA,
      method: 'PUT',
      body: { ...ownBot(), token: platform.token },
    });
    expect(otherApplication.status).toBe(400);
    expect(otherApplication.body.error.code).toBe('application_mismatch');

    const wrongKey = await call(api, '/api/v1/bot', {
      key: keyA,
      method: 'PUT',
      body: { ...ownBot(), publicKey: platform.publicKey },
    });
    expect(wrongKey.body.error).toMatchObject({
      code: 'public_key_mismatch',
      details: [{ field: 'publicKey', message: expect.any(String) }],
    });

    const malformed = await call(api, '/api/v1/bot', {
      key: keyA,
      method: 'PUT',
      body: { applicationId: 'x', publicKey: 'y', token: 'z' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'applicationId',
      'publicKey',
      'token',
    ]);

    expect(await storedRow()).toBeUndefined();
    expect((await call(api, '/api/v1/bot', { key: keyA })).body.mode).toBe('platform');
  });

  it('saves a good token sealed, and the gateway, interactions and egress use it', async () => {
    const saved = await call(api, '/api/v1/bot', { key: keyA, method: 'PUT', body: ownBot() });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({
      mode: 'custom',
      applicationId: own.id,
      publicKey: own.publicKey.toLowerCase(),
      botUsername: 'Acme Helper',
      interactionsEndpointUrl: 'https://steward.example.com/discord/webhook/',
    });
    expect(JSON.stringify(saved.body)).not.toContain(own.token);

    // At rest: the row and the KV entry carry the sealed token only.
    const row = await storedRow();
    expect(row!.row).not.toContain(own.token);
    expect(row!.row).not.toContain(own.token.split('.')[2]);
    const entry = botApplicationEntry.parse(await publishedEntry());
    expect(JSON.stringify(entry)).not.toContain(own.token);
    expect(
      SecretBox.fromEnv({ STEWARD_MASTER_KEY: masterKey })!.decrypt(
        entry.tokenCiphertext,
        `bot-token:${own.id}`,
      ),
    ).toBe(own.token);

    // The gateway connects as the tenant's bot.
    await waitFor(() => sandbox.counters(own.id).identifies === 1, { timeoutMs: 10_000 });
    expect(sandbox.sessions(own.id)).toHaveLength(1);

    // Interactions: /ask is registered, and Discord's PING signed with the bot's key is answered.
    await waitFor(
      () =>
        sandbox.restLog.some(
          (e) =>
            e.method === 'PUT' &&
            e.route.endsWith('/commands') &&
            e.applicationId === own.id &&
            e.status === 200,
        ),
      { timeoutMs: 5_000 },
    );
    expect(await ping(own.privateKey)).toEqual({ status: 200, body: { type: 1 } });
    // The platform's key does not speak for the tenant's application.
    expect((await ping(platform.privateKey)).status).toBe(401);

    // Egress posts as the tenant's bot.
    const command = create(DiscordCommandSchema, {
      commandId: `custom-bot-${Date.now()}`,
      applicationId: own.id,
      tenantId: 'tenant-a',
      guildId: guild.id,
      createdAtMs: BigInt(Date.now()),
      action: {
        case: 'sendMessage',
        value: { channelId: guild.generalChannelId, content: 'Hello from our own bot' },
      },
    });
    await bus.publish(commandSubject(command), toBinary(DiscordCommandSchema, command), {
      msgId: command.commandId,
    });
    const posted = await waitFor(
      () => sandbox.messages(guild.generalChannelId).find((m) => m.content === 'Hello from our own bot'),
      { timeoutMs: 5_000 },
    );
    expect(posted.author.id).toBe(own.botUserId);
  });

  it("keeps one tenant's application away from another tenant", async () => {
    const taken = await call(api, '/api/v1/bot', { key: keyB, method: 'PUT', body: ownBot() });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('conflict');
    expect((await call(api, '/api/v1/bot', { key: keyB })).body).toMatchObject({
      mode: 'platform',
      applicationId: null,
    });
    const platformApp = await call(api, '/api/v1/bot', {
      key: keyB,
      method: 'PUT',
      body: { applicationId: platform.id, publicKey: platform.publicKey, token: platform.token },
    });
    expect(platformApp.status).toBe(409);
    expect(platformApp.body.error.code).toBe('platform_application');
  });

  it('re-encrypts tokens sealed with a previous master key at start', async () => {
    const before = await storedRow();
    await api.stop();
    api = await startApi({ STEWARD_MASTER_KEY: rotatedKey, STEWARD_MASTER_KEY_PREVIOUS: masterKey });
    const rotated = SecretBox.fromEnv({ STEWARD_MASTER_KEY: rotatedKey })!;
    const after = await storedRow();
    expect(after!.key_id).toBe(rotated.keyId);
    expect(after!.key_id).not.toBe(before!.key_id);
    expect(after!.row).not.toContain(own.token);
    // Published again under the new key; the same token, so the gateway keeps its session.
    const entry = (await publishedEntry())!;
    expect(entry.keyId).toBe(rotated.keyId);
    expect(rotated.decrypt(entry.tokenCiphertext, `bot-token:${own.id}`)).toBe(own.token);
    expect(await ping(own.privateKey)).toEqual({ status: 200, body: { type: 1 } });
    expect(sandbox.counters(own.id)).toMatchObject({ identifies: 1, resumes: 0 });
    expect(sandbox.sessions(own.id)).toHaveLength(1);
  });

  it('goes back to the platform bot: the gateway disconnects and the signatures stop counting', async () => {
    const removed = await call(api, '/api/v1/bot', { key: keyA, method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(await storedRow()).toBeUndefined();
    expect(await publishedEntry()).toBeUndefined();
    await waitFor(() => sandbox.sessions(own.id).length === 0, { timeoutMs: 10_000 });
    expect((await ping(own.privateKey)).status).toBe(401);
    expect((await call(api, '/api/v1/bot', { key: keyA })).body.mode).toBe('platform');
  });

  it('does not put back a bot removed while another replica starts', async () => {
    expect((await call(api, '/api/v1/bot', { key: keyA, method: 'PUT', body: ownBot() })).status).toBe(200);
    // A removal in flight (a rolling deploy starts a replica meanwhile): the row deleted and the
    // entry off KV, not yet committed.
    const removal = await database.begin();
    await removal.query('DELETE FROM admin.bots WHERE application_id = $1', [own.id]);
    await (await bus.kv(Buckets.configApps.name)).delete(own.id);
    let replica: AdminApi | undefined;
    try {
      replica = await removal.commitOnceWaitedFor(
        startApi({ STEWARD_MASTER_KEY: rotatedKey, STEWARD_MASTER_KEY_PREVIOUS: masterKey }),
      );
    } finally {
      await removal.rollback();
      await replica?.stop();
    }
    expect(await publishedEntry()).toBeUndefined();
    expect((await call(api, '/api/v1/bot', { key: keyA })).body.mode).toBe('platform');
    await waitFor(() => sandbox.sessions(own.id).length === 0, { timeoutMs: 10_000 });
  });

  it('answers 503 and keeps the platform bot when NATS cannot take the custom bot', async () => {
    await bus.jsm.streams.delete(`KV_${Buckets.configApps.name}`);
    try {
      const refused = await call(api, '/api/v1/bot', { key: keyA, method: 'PUT', body: ownBot() });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('service_unavailable');
      expect(await storedRow()).toBeUndefined();
      expect((await call(api, '/api/v1/bot', { key: keyA })).body.mode).toBe('platform');
    } finally {
      await bus.ensureBuckets([Buckets.configApps]);
    }
  });
});
