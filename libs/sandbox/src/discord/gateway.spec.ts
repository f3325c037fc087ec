import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayGuildCreateDispatchData,
  type GatewayMessageCreateDispatchData,
  type GatewayReadyDispatchData,
} from 'discord-api-types/v10';
import { WebSocketShardEvents } from '@discordjs/ws';
import { WebSocket } from 'ws';
import { createBot, type BotHarness } from './bot-harness.js';
import { startDiscordSandbox, type DiscordSandbox } from './sandbox.js';
import { shardForGuild } from './snowflake.js';

const INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

describe('Discord sandbox gateway', () => {
  let sandbox: DiscordSandbox;
  const bots: BotHarness[] = [];

  async function start(options: Parameters<typeof startDiscordSandbox>[0] = {}) {
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0, heartbeatIntervalMs: 500, ...options });
    const app = sandbox.createApplication({ name: 'Steward' });
    return app;
  }

  function bot(token: string, options: Parameters<typeof createBot>[2] = { intents: INTENTS }) {
    const harness = createBot(sandbox, token, options);
    bots.push(harness);
    return harness;
  }

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((harness) => harness.destroy()));
    await sandbox.close();
  });

  it('identifies, gets READY and a GUILD_CREATE with channels, roles and member count', async () => {
    const app = await start();
    const guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    sandbox.createMember({ guildId: guild.id, username: 'alice' });
    const harness = bot(app.token);
    const ready = new Promise<GatewayReadyDispatchData>((resolve) =>
      harness.client.once(GatewayDispatchEvents.Ready, ({ data }) => resolve(data)),
    );
    const guildCreate = new Promise<GatewayGuildCreateDispatchData>((resolve) =>
      harness.client.once(GatewayDispatchEvents.GuildCreate, ({ data }) => resolve(data)),
    );

    await harness.gateway.connect();

    const readyData = await ready;
    expect(readyData.user.id).toBe(app.botUserId);
    expect(readyData.application.id).toBe(app.id);
    expect(readyData.guilds).toEqual([{ id: guild.id, unavailable: true }]);
    expect(readyData.shard).toEqual([0, 1]);
    const created = await guildCreate;
    expect(created.id).toBe(guild.id);
    expect(created.channels.map((channel) => channel.name)).toEqual(['general']);
    expect(created.roles.map((role) => role.name)).toEqual(expect.arrayContaining(['@everyone', 'Steward']));
    expect(created.members.map((member) => member.user.id)).toContain(app.botUserId);
    expect(created.member_count).toBe(3);
    expect(sandbox.counters(app.id)).toMatchObject({ identifies: 1, resumes: 0 });
  });

  it('delivers MESSAGE_CREATE only on the shard that owns the guild', async () => {
    const app = await start({ recommendedShards: 2, maxConcurrency: 2 });
    const guilds = Array.from({ length: 6 }, (_, index) =>
      sandbox.createGuild({ name: `Guild ${index}`, applicationIds: [app.id] }),
    );
    const byShard = [0, 1].map((shardId) => guilds.find((guild) => shardForGuild(guild.id, 2) === shardId)!);
    expect(byShard.every(Boolean)).toBe(true);
    const harness = bot(app.token);
    const received: Array<{ shardId: number; guildId: string | undefined; content: string }> = [];
    harness.client.on(GatewayDispatchEvents.MessageCreate, ({ data, shardId }) => {
      received.push({ shardId, guildId: data.guild_id, content: data.content });
    });
    await harness.gateway.connect();
    expect(await harness.gateway.getShardCount()).toBe(2);

    for (const guild of byShard) {
      sandbox.postMessage({
        guildId: guild.id,
        channelId: guild.generalChannelId,
        authorId: guild.ownerId,
        content: `hello ${guild.name}`,
      });
    }

    await sandbox.waitFor(() => received.length === 2);
    expect(received).toEqual(
      expect.arrayContaining(
        byShard.map((guild, shardId) => ({ shardId, guildId: guild.id, content: `hello ${guild.name}` })),
      ),
    );
  });

  it('resumes a dropped connection and replays what was posted while it was down', async () => {
    const app = await start();
    const guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    const harness = bot(app.token);
    const contents: string[] = [];
    harness.client.on(GatewayDispatchEvents.MessageCreate, ({ data }) => contents.push(data.content));
    const resumed = new Promise<void>((resolve) =>
      harness.gateway.once(WebSocketShardEvents.Resumed, () => resolve()),
    );
    await harness.gateway.connect();

    expect(sandbox.dropConnections({ applicationId: app.id })).toBe(1);
    sandbox.postMessage({
      channelId: guild.generalChannelId,
      authorId: guild.ownerId,
      content: 'while you were away',
    });
    await resumed;
    await sandbox.waitFor(() => contents.includes('while you were away'));

    expect(contents).toEqual(['while you were away']);
    expect(sandbox.counters(app.id)).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('holds dispatches back and sends them in order, in one burst, when released', async () => {
    const app = await start();
    const guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    const harness = bot(app.token);
    const received: Array<{ content: string; sequence: number }> = [];
    harness.client.on(GatewayDispatchEvents.MessageCreate, ({ data }) =>
      received.push({ content: data.content, sequence: -1 }),
    );
    harness.gateway.on(WebSocketShardEvents.Dispatch, (payload) => {
      if (payload.t === GatewayDispatchEvents.MessageCreate) received.at(-1)!.sequence = payload.s;
    });
    await harness.gateway.connect();

    const release = sandbox.holdDispatches();
    for (const content of ['first', 'second']) {
      sandbox.postMessage({ channelId: guild.generalChannelId, authorId: guild.ownerId, content });
    }
    // The second heartbeat acknowledged from here was sent after the posts: had the dispatches
    // been sent, they would be here before it.
    for (let beats = 0; beats < 2; beats++) {
      await new Promise((resolve) => harness.gateway.once(WebSocketShardEvents.HeartbeatComplete, resolve));
    }
    expect(received).toEqual([]);

    expect(release()).toBe(2);
    expect(release()).toBe(0);
    sandbox.postMessage({ channelId: guild.generalChannelId, authorId: guild.ownerId, content: 'third' });
    await sandbox.waitFor(() => received.length === 3);
    expect(received.map((message) => message.content)).toEqual(['first', 'second', 'third']);
    expect(received[1]!.sequence).toBe(received[0]!.sequence + 1);
  });

  it('resumes a zombie connection whose heartbeats are no longer acknowledged', async () => {
    const app = await start({ heartbeatIntervalMs: 200 });
    sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    const harness = bot(app.token);
    await harness.gateway.connect();
    const resumed = new Promise<void>((resolve) =>
      harness.gateway.once(WebSocketShardEvents.Resumed, () => resolve()),
    );

    sandbox.stopHeartbeatAcks({ applicationId: app.id });

    await resumed;
    expect(sandbox.counters(app.id)).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('makes the client identify again after an invalidated session', async () => {
    const app = await start();
    const harness = bot(app.token, { intents: INTENTS, skipIdentifyThrottle: true });
    await harness.gateway.connect();
    const readyAgain = new Promise<void>((resolve) =>
      harness.gateway.once(WebSocketShardEvents.Ready, () => resolve()),
    );

    sandbox.invalidateSessions({ applicationId: app.id });

    await readyAgain;
    expect(sandbox.counters(app.id)).toMatchObject({ identifies: 2, resumes: 0 });
  });

  it('closes with 4014 when MESSAGE_CONTENT is requested but not granted', async () => {
    await start();
    const app = sandbox.createApplication({ name: 'Unverified', privilegedIntents: 0 });
    const harness = bot(app.token);
    const closed = new Promise<number>((resolve) =>
      harness.gateway.once(WebSocketShardEvents.Closed, (code) => resolve(code)),
    );
    const errors: Error[] = [];
    harness.gateway.on(WebSocketShardEvents.Error, (error) => errors.push(error));

    await expect(harness.gateway.connect()).rejects.toThrow('Used disallowed intents');
    expect(await closed).toBe(4014);
    expect(errors.map((error) => error.message)).toEqual(['Used disallowed intents']);
    expect(sandbox.counters(app.id).identifies).toBe(0);
  });

  /** A bare gateway connection that identifies after HELLO; resolves with READY's shard or the close code. */
  function rawIdentify(
    token: string,
    shard: [number, number],
  ): Promise<{ ready: boolean; closeCode?: number; socket: WebSocket }> {
    const socket = new WebSocket(`${sandbox.gatewayUrl}?v=10&encoding=json`);
    return new Promise((resolve) => {
      socket.on('message', (raw) => {
        const payload = JSON.parse(raw.toString());
        if (payload.op === 10)
          socket.send(JSON.stringify({ op: 2, d: { token, intents: 0, properties: {}, shard } }));
        if (payload.t === 'READY') resolve({ ready: true, socket });
      });
      socket.on('close', (closeCode) => resolve({ ready: false, closeCode, socket }));
    });
  }

  it('closes with 4004 for an unknown token and 4010 for an invalid shard', async () => {
    const app = await start();
    // GET /gateway/bot needs a valid token, so a bad token only reaches the gateway through a bare client.
    expect(await rawIdentify('nope', [0, 1])).toMatchObject({ ready: false, closeCode: 4004 });
    expect(await rawIdentify(app.token, [2, 2])).toMatchObject({ ready: false, closeCode: 4010 });
  });

  it('rate limits identifies per max_concurrency bucket with 4008', async () => {
    const app = await start({ identifyIntervalMs: 60_000, maxConcurrency: 2 });
    const first = await rawIdentify(app.token, [0, 4]);
    const otherBucket = await rawIdentify(app.token, [1, 4]);
    const sameBucket = await rawIdentify(app.token, [2, 4]);

    expect([first.ready, otherBucket.ready]).toEqual([true, true]);
    expect(sameBucket).toMatchObject({ ready: false, closeCode: 4008 });
    expect(sandbox.counters(app.id).identifies).toBe(2);
    for (const { socket } of [first, otherBucket]) socket.close();
  });

  it('hides message content from a bot that did not ask for MESSAGE_CONTENT unless it is mentioned', async () => {
    const app = await start();
    const guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    const harness = bot(app.token, { intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages });
    const seen: GatewayMessageCreateDispatchData[] = [];
    harness.client.on(GatewayDispatchEvents.MessageCreate, ({ data }) => seen.push(data));
    await harness.gateway.connect();

    sandbox.postMessage({ channelId: guild.generalChannelId, authorId: guild.ownerId, content: 'secret' });
    sandbox.postMessage({
      channelId: guild.generalChannelId,
      authorId: guild.ownerId,
      content: `<@${app.botUserId}> help`,
    });

    await sandbox.waitFor(() => seen.length === 2);
    expect(seen.map((message) => message.content)).toEqual(['', `<@${app.botUserId}> help`]);
    expect(seen[1]!.mentions.map((user) => user.id)).toEqual([app.botUserId]);
  });
});
