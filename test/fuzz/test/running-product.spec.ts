/**
 * The running product (every service as its own process, offline engine) against hostile
 * input, on one stack:
 * - fuzzing: every admin API route known from its OpenAPI document, and malformed Discord
 *   dispatches through the gateway and straight onto `discord.evt.*`. Nothing may answer 5xx,
 *   crash, wedge a consumer or drop the shard;
 * - prompt injection: members asking for the instructions, another tenant's knowledge, or a
 *   ban change nothing;
 * - last, over everything the run logged and answered: no bot token or API key anywhere.
 * The same injections against a model that obeys them are in security.spec.ts.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { APIMessage } from 'discord-api-types/v10';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Bus } from '@steward/bus';
import { Buckets, guildConfig, MeteringRpc, Streams } from '@steward/contracts';
import { Stack } from '@steward/e2e';
import { waitFor } from '@steward/testing';
import fc from 'fast-check';
import { discordSnowflake, hostileString, jsonBody } from '../src/arbitraries.js';
import { fuzzParameters } from '../src/fuzz-config.js';
import { routeRequest, routesOf, type OpenApiDocument, type Route } from '../src/openapi-routes.js';
import { askInjections, kicksAndBans, settle, setUpTwoTenants, TENANT_B_SECRET } from '../src/two-tenants.js';

const SERVICES = ['metering', 'answer', 'router', 'moderation', 'interactions', 'egress', 'admin-api', 'gateway'];

const ERROR_BODY = /^\{"error":\{"code":"[a-z0-9_]+","message":"[^"]/;

describe('the running product under hostile input', () => {
  let stack: Stack;
  let bus: Bus;
  let nats: NatsConnection;
  /** Every admin API response of the run (status, headers, body), searched for secrets at the end. */
  const apiResponses: string[] = [];

  beforeAll(async () => {
    stack = await Stack.start({ services: SERVICES, shardCount: 1 });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'fuzz-stack' });
    nats = await connect({ servers: process.env.NATS_URL! });
    await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: stack.tenantId, plan: 'pro' }, { timeoutMs: 10_000 });
  }, 180_000);

  afterAll(async () => {
    await bus?.drain();
    await nats?.close();
    await stack?.stop();
  });

  async function everyServiceReady(): Promise<void> {
    for (const [name, service] of stack.services) {
      const status = await Promise.race([service.exited.then(() => 'exited'), fetch(`${service.opsUrl}/readyz`).then((r) => r.status)]);
      if (status !== 200) throw new Error(`${name} is not ready after the fuzzing: ${status}; see ${service.logFile}`);
    }
  }

  describe('admin API', () => {
    let routes: Route[];

    beforeAll(async () => {
      const response = await fetch(`${stack.adminUrl}/api/docs/openapi.json`);
      expect(response.status).toBe(200);
      routes = routesOf((await response.json()) as OpenApiDocument);
    });

    async function send(request: { url: string; route: Route; body: string | undefined; contentType: string | undefined }, apiKey: string | undefined) {
      const headers: Record<string, string> = {};
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      if (request.contentType) headers['content-type'] = request.contentType;
      const response = await fetch(request.url, { method: request.route.method, headers, body: request.body, redirect: 'manual' });
      const text = await response.text();
      apiResponses.push(`${request.route.method} ${request.url} ${response.status} ${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
      return { status: response.status, text };
    }

    /** 2xx, a redirect, or a 4xx with the documented error body; never a 5xx. */
    function checkAnswer(request: { url: string; route: Route; body: string | undefined }, answer: { status: number; text: string }, statuses: Map<number, number>) {
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const what = `${answer.status} ${JSON.stringify(answer.text.slice(0, 200))} for ${request.route.method} ${request.url.replace(stack.adminUrl, '').slice(0, 200)} ${request.body?.slice(0, 120) ?? ''}`;
      if (answer.status >= 500) throw new Error(`server error: ${what}`);
      if (answer.status >= 400 && !ERROR_BODY.test(answer.text)) throw new Error(`4xx without {error:{code,message}}: ${what}`);
    }

    it('lists the routes of the API in its OpenAPI document', () => {
      expect(routes.length).toBeGreaterThanOrEqual(3);
      expect(routes.map((route) => `${route.method} ${route.path}`)).toContain('POST /api/v1/knowledge/documents');
    });

    it('answers random input to every route with a valid API key with 2xx or a 4xx error body, never 5xx', async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(routeRequest(routes, stack.adminUrl), async (request) => checkAnswer(request, await send(request, stack.apiKey), statuses)),
        fuzzParameters('admin API with a key', Math.min(150, routes.length * 3)),
      );
      expect([...statuses.keys()].some((status) => status >= 400 && status < 500)).toBe(true);
      await everyServiceReady();
    });

    it('answers random input to every route without a key, or with a forged one, with 401 (or the public answer), never 5xx', async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          routeRequest(routes, stack.adminUrl),
          fc.option(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{0,60}$/), fc.constant(`stw_${'A'.repeat(40)}`), fc.constant(stack.apiKey.slice(0, -1))), { nil: undefined }),
          async (request, forgedKey) => checkAnswer(request, await send(request, forgedKey), statuses),
        ),
        fuzzParameters('admin API without a valid key', Math.min(100, routes.length * 2)),
      );
      // Only the public routes (login, install callback, docs) may answer anything but 401.
      expect(statuses.get(401)).toBeGreaterThan(0);
      expect([...statuses.keys()].filter((status) => status < 400 && status !== 302 && status !== 303)).toEqual([]);
    });
  });

  describe('malformed Discord dispatches', () => {
    const TYPES = ['MESSAGE_CREATE', 'MESSAGE_UPDATE', 'GUILD_CREATE', 'GUILD_UPDATE', 'CHANNEL_CREATE', 'GUILD_ROLE_UPDATE', 'GUILD_MEMBER_UPDATE', 'INTERACTION_CREATE', 'READY'];
    const typeArb = fc.oneof(fc.constantFrom(...TYPES), fc.stringMatching(/^[A-Z_]{1,20}$/));

    /** A payload that is nearly a real message, or just random JSON. */
    const payloadArb = () =>
      fc.oneof(
        jsonBody(),
        fc.record(
          {
            id: discordSnowflake(),
            guild_id: fc.oneof(discordSnowflake(), jsonBody()),
            channel_id: fc.oneof(discordSnowflake(), jsonBody()),
            content: fc.oneof(hostileString(), jsonBody()),
            author: fc.oneof(fc.record({ id: discordSnowflake(), username: hostileString(), bot: fc.boolean() }), jsonBody()),
            mentions: fc.oneof(fc.array(jsonBody(), { maxLength: 3 }), jsonBody()),
            member: jsonBody(),
            roles: jsonBody(),
            channels: jsonBody(),
            type: jsonBody(),
            data: jsonBody(),
          },
          { requiredKeys: [] },
        ),
      );

    async function consumersDrained(): Promise<true> {
      const manager = await jetstreamManager(nats);
      const stuck: string[] = [];
      for await (const consumer of manager.consumers.list(Streams.discordEvents.name)) {
        if (consumer.num_pending > 0 || consumer.num_ack_pending > 0) stuck.push(`${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} unacked`);
      }
      if (stuck.length) throw new Error(stuck.join('; '));
      return true;
    }

    beforeAll(async () => {
      // Moderation on for the guild, so its pipeline reads every message too.
      const config = guildConfig.parse({
        guildId: stack.guild.id,
        tenantId: stack.tenantId,
        applicationId: stack.app.id,
        settings: { moderation: { enabled: true, rules: 'No invite links.' } },
      });
      await bus.putJson(Buckets.configGuilds.name, stack.guild.id, config);
    });

    it('acknowledges or dead-letters malformed dispatches published to discord.evt.*, and every service stays ready', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          typeArb,
          fc.constantFrom(stack.guild.id, 'dm', '123', 'not_a_guild'),
          fc.oneof(payloadArb().map((payload) => Buffer.from(JSON.stringify(payload) ?? 'null')), fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes))),
          async (type, guild, data) => {
            await bus.publish(`discord.evt.${stack.app.id}.${guild}.${type}`, data, { msgId: `fuzz-${++n}` });
          },
        ),
        fuzzParameters('malformed dispatches on discord.evt.*', 150),
      );
      await waitFor(consumersDrained, { timeoutMs: 20_000, message: 'every DISCORD_EVT consumer to acknowledge or dead-letter the malformed dispatches' });
      await everyServiceReady();
      // What could not be handled was logged and dead-lettered with its reason, not dropped silently.
      const logged = [...stack.services.values()].flatMap((service) => service.logs()).filter((line) => line.json?.msg === 'message dead-lettered');
      expect(logged.length).toBeGreaterThan(0);
    });

    it('keeps the shard connected through malformed dispatches arriving over the gateway', async () => {
      const identifies = stack.discord.counters(stack.app.id).identifies;
      // The sandbox has no control for raw dispatches; its gateway server sends what it is given.
      const gateway = (stack.discord as unknown as { gateway: { resumeUrl: string; dispatchToApplication(app: string, guild: string, type: string, build: () => unknown): void } }).gateway;
      // A READY that keeps the session but lacks its guild list (this once crashed the gateway).
      const [session] = stack.discord.sessions(stack.app.id);
      gateway.dispatchToApplication(stack.app.id, stack.guild.id, 'READY', () => ({ v: 10, session_id: session!.sessionId, resume_gateway_url: gateway.resumeUrl }));
      // READY and RESUMED are the session handshake, which @discordjs/ws itself interprets: random ones are not sent.
      const handshake = new Set(['READY', 'RESUMED']);
      fc.assert(
        fc.property(fc.oneof(typeArb, fc.constantFrom('BAD.TYPE', 'A B', '*', '>', '')).filter((type) => !handshake.has(type)), payloadArb(), (type, payload) => {
          gateway.dispatchToApplication(stack.app.id, stack.guild.id, type, () => payload ?? null);
        }),
        fuzzParameters('malformed dispatches over the gateway', 100),
      );
      await waitFor(consumersDrained, { timeoutMs: 20_000, message: 'the consumers to settle the dispatches the gateway published' });
      await everyServiceReady();
      expect(stack.discord.counters(stack.app.id).identifies).toBe(identifies);

      // And the product still answers a member.
      await stack.addKnowledge('Password reset', 'Open Settings, then Security, and choose "Reset password". We email a reset link.');
      const question = stack.say(stack.alice, `${stack.mention()} how do I reset my password?`);
      const reply = await stack.replyTo(question.id, 15_000);
      expect(reply.content).toMatch(/reset link|Reset password/i);
    });
  });

  describe('prompt injection against the offline engine', () => {
    beforeAll(async () => {
      await setUpTwoTenants(stack, bus);
    });

    it("never reveals another tenant's knowledge, whatever a member asks", async () => {
      const replies = await askInjections(stack);
      for (const reply of replies) expect(reply.content).not.toContain(TENANT_B_SECRET);
      expect(replies.every((reply) => reply.content.length > 0)).toBe(true);
    });

    it('answers tenant B from its own knowledge (so the check above can fail)', async () => {
      const guildB = stack.discord.guilds().find((guild) => guild.name === 'Tenant B')!;
      const bea = guildB.members.find((member) => member.user?.username === 'bea')!.user!;
      const question = stack.discord.postMessage({ guildId: guildB.id, channelId: guildB.generalChannelId, authorId: bea.id, content: `${stack.mention()} what is the vault passphrase?` });
      let reply: APIMessage | undefined;
      await waitFor(() => (reply = stack.repliesTo(question.id, guildB.generalChannelId)[0]), { timeoutMs: 20_000 });
      expect(reply!.content).toContain(TENANT_B_SECRET);
    });

    it('bans and kicks nobody on a member’s say-so when the policy does not allow it', async () => {
      await settle();
      expect(kicksAndBans(stack)).toEqual([]);
      expect(stack.discord.guild(stack.guild.id).members.map((member) => member.user?.id)).toContain(stack.bob.id);
    });
  });

  describe('secrets in logs and API responses', () => {
    const responses = apiResponses;
    const customBot = { token: '', applicationId: '', publicKey: '' };
    const forgedKey = `stw_${'Z'.repeat(40)}`;

    async function call(method: string, path: string, body?: unknown, key: string | null = stack.apiKey): Promise<number> {
      const response = await fetch(`${stack.adminUrl}${path}`, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
      });
      responses.push(`${method} ${path} ${response.status} ${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await response.text()}`);
      return response.status;
    }

    it('keeps the bot token and the API keys out of every log line and response while the product is used', async () => {
      // Members ask, over the gateway and through /ask on the interactions endpoint.
      const question = stack.say(stack.alice, `${stack.mention()} how do I reset my password?`);
      await stack.replyTo(question.id, 20_000);
      const interactions = stack.service('interactions').logs().find((line) => line.json?.msg === 'service ready')?.json?.httpUrl;
      expect(typeof interactions).toBe('string');
      stack.discord.setInteractionsEndpoint(stack.app.id, `${String(interactions)}/discord/webhook/`);
      const delivery = await stack.discord.sendInteraction({
        applicationId: stack.app.id,
        guildId: stack.guild.id,
        channelId: stack.channelId,
        userId: stack.alice.id,
        commandName: 'ask',
        options: { question: 'How long is the reset link valid?' },
      });
      expect(delivery.status).toBe(200);
      // A forged interaction signed by nobody.
      const forged = JSON.stringify({ id: '100000000000000009', application_id: stack.app.id, type: 1, token: stack.app.token });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const rejected = await fetch(`${String(interactions)}/discord/webhook/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature-timestamp': timestamp, 'x-signature-ed25519': sign(null, Buffer.from(timestamp + forged), generateKeyPairSync('ed25519').privateKey).toString('hex') },
        body: forged,
      });
      expect(rejected.status).toBe(401);

      // The tenant uses the API: every documented GET, a wrong key, and saving its own bot.
      const document = (await (await fetch(`${stack.adminUrl}/api/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      for (const [path, operations] of Object.entries(document.paths)) {
        if (!('get' in operations) || path.includes('{') || path.includes('live')) continue;
        await call('GET', path);
      }
      expect(await call('GET', '/api/v1/knowledge/documents', undefined, forgedKey)).toBe(401);
      expect(await call('GET', '/api/v1/knowledge/documents', undefined, `${stack.apiKey}x`)).toBe(401);
      if ('/api/v1/bot' in document.paths) {
        const own = stack.discord.createApplication({ name: 'Tenant bot' });
        Object.assign(customBot, { token: own.token, applicationId: own.id, publicKey: own.publicKey });
        expect(await call('PUT', '/api/v1/bot', { applicationId: own.id, publicKey: own.publicKey, token: own.token })).toBe(200);
        // A token that does not match its application, and one Discord refuses.
        await call('PUT', '/api/v1/bot', { applicationId: stack.app.id, publicKey: own.publicKey, token: own.token });
        await call('PUT', '/api/v1/bot', { applicationId: own.id, publicKey: own.publicKey, token: `${own.token.slice(0, -4)}abcd` });
        await call('GET', '/api/v1/bot');
      }
      await settle();

      const secrets = { 'platform bot token': stack.app.token, 'API key': stack.apiKey, 'forged API key': forgedKey, ...(customBot.token ? { 'custom bot token': customBot.token } : {}) };
      const leaks: string[] = [];
      for (const [name, service] of stack.services) {
        const lines = service.logs();
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          for (const [what, secret] of Object.entries(secrets)) if (line.text.includes(secret)) leaks.push(`${what} in the log of ${name}: ${line.text.slice(0, 300)}`);
        }
      }
      for (const response of responses) {
        for (const [what, secret] of Object.entries(secrets)) if (response.includes(secret)) leaks.push(`${what} in a response: ${response.slice(0, 300)}`);
      }
      expect(leaks).toEqual([]);
      expect(responses.length).toBeGreaterThan(3);
    });
  });

});
