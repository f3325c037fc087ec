import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Buckets } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { startTelemetry, stopTelemetry } from '@steward/telemetry';
import { startDiscordSandbox, type ApplicationCredentials, type DiscordSandbox, type GuildSnapshot } from '@steward/sandbox';
import { resetJetStream, waitFor } from '@steward/testing';
import type { GatewayConfig } from '../src/config.js';
import { gatewayService } from '../src/service.js';
import { gatewayIntents } from '../src/shards/gateway-supervisor.js';
import { gatewayBus, guildPerShard, observeGateway, readEvents, type GatewayObserver } from './helpers.js';

describe('gateway: dispatches to JetStream', () => {
  let sandbox: DiscordSandbox;
  let app: ApplicationCredentials;
  let guilds: GuildSnapshot[];
  let service: RunningService<GatewayConfig> | undefined;
  let observer: GatewayObserver | undefined;

  const spans = new InMemorySpanExporter();

  beforeAll(async () => {
    // As a service with an exporter configured: spans are recorded (the service's own start
    // finds telemetry already running).
    startTelemetry({ serviceName: 'gateway', spanProcessors: [new SimpleSpanProcessor(spans)] });
    await resetJetStream();
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0, recommendedShards: 2 });
    app = sandbox.createApplication({ name: 'Steward' });
    guilds = guildPerShard(sandbox, app.id, 2);
    service = await startGateway();
  });

  async function startGateway() {
    const started = await startService(gatewayService, {
      NATS_URL: process.env.NATS_URL,
      DISCORD_API_URL: sandbox.apiUrl,
      DISCORD_BOT_TOKEN: app.token,
      LOG_LEVEL: 'silent',
      OPS_PORT: '0',
      GATEWAY_IDENTIFY_INTERVAL_MS: '50',
    });
    return started;
  }

  afterAll(async () => {
    observer?.close();
    await service?.stop();
    await sandbox.close();
    await stopTelemetry();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('becomes ready once both shards are connected, learning the application id from Discord', async () => {
    await waitFor(async () => (await fetch(`${service!.ops.url}/readyz`)).status === 200, { timeoutMs: 5_000 });
    expect(sandbox.sessions(app.id).map((session) => session.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it('publishes GUILD_CREATE of the guild on each shard', async () => {
    const events = await waitFor(async () => {
      const found = await readEvents((subject) => subject.endsWith('.GUILD_CREATE'));
      return found.length >= 2 ? found : undefined;
    });
    expect(events.map((event) => event.subject).sort()).toEqual(guilds.map((guild) => `discord.evt.${app.id}.${guild.id}.GUILD_CREATE`).sort());
    for (const event of events) expect(event.json).toMatchObject({ id: expect.any(String), channels: expect.any(Array) });
  });

  it('publishes a member message with the exact Discord JSON, its headers and a de-duplication id', async () => {
    const guild = guilds[1]!;
    observer = await observeGateway(sandbox, app.token, [1, 2], gatewayIntents(false));
    const member = sandbox.createMember({ guildId: guild.id, username: 'alice' });
    const message = sandbox.postMessage({ channelId: guild.generalChannelId, authorId: member.user.id, content: 'How do I reset my password?' });

    const subject = `discord.evt.${app.id}.${guild.id}.MESSAGE_CREATE`;
    const [event] = await waitFor(async () => {
      const found = await readEvents((candidate) => candidate === subject);
      return found.length > 0 ? found : undefined;
    });
    const sent = observer.dispatches.find((dispatch) => dispatch.t === 'MESSAGE_CREATE' && (dispatch.d as { id: string }).id === message.id)!;
    expect(event!.json).toEqual(sent.d);
    expect(event!.headers).toMatchObject({
      'Discord-Event-Type': 'MESSAGE_CREATE',
      'Discord-Shard': '1',
      'Nats-Msg-Id': expect.stringMatching(new RegExp(`^${app.id}:[0-9a-f]+:\\d+$`)),
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0\d$/),
    });
    const [, sessionId, sequence] = event!.headers['Nats-Msg-Id']!.split(':');
    expect(sandbox.sessions(app.id).map((session) => session.sessionId)).toContain(sessionId);
    expect(event!.headers['Discord-Sequence']).toBe(sequence);

    const traceId = event!.headers.traceparent!.split('-')[1];
    const received = spans.getFinishedSpans().find((span) => span.spanContext().traceId === traceId && span.name === 'gateway receive MESSAGE_CREATE');
    expect(received?.attributes).toMatchObject({ 'discord.shard': 1, 'discord.event_type': 'MESSAGE_CREATE' });
  });

  it('counts stored dispatches by event type on /metrics, and shows the backlog drained', async () => {
    const metric = async (name: string, labels: string) => {
      const text = await (await fetch(`${service!.ops.url}/metrics`)).text();
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}} `));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
    };
    const published = async (type: string) =>
      (await metric('steward_gateway_dispatches_published_total', `type="${type}"`)) ?? 0;
    const [createdBefore, deletedBefore] = [
      await published('MESSAGE_CREATE'),
      await published('MESSAGE_DELETE'),
    ];
    const guild = guilds[1]!;
    const member = sandbox.createMember({ guildId: guild.id, username: 'bob' });
    const post = (content: string) =>
      sandbox.postMessage({ channelId: guild.generalChannelId, authorId: member.user.id, content });

    // One burst of mixed types, so that one acknowledged run holds both.
    const release = sandbox.holdDispatches();
    post('first');
    sandbox.deleteMessage({ messageId: post('second').id });
    post('third');
    release();

    await waitFor(
      async () =>
        (await published('MESSAGE_CREATE')) === createdBefore + 3 &&
        (await published('MESSAGE_DELETE')) === deletedBefore + 1,
      {
        timeoutMs: 5_000,
        message: 'three messages created and one deleted, counted',
      },
    );
    for (const shard of ['0', '1'])
      expect(
        await metric('steward_gateway_backlog_dispatches', `application="${app.id}",shard="${shard}"`),
      ).toBe(0);
  });

  it('keeps the acknowledged session of each shard in KV', async () => {
    const stored = await waitFor(async () => {
      const sessions = await Promise.all([0, 1].map((shard) => service!.bus.getJson<{ sessionId: string }>(Buckets.gatewaySessions.name, `${app.id}.${shard}`)));
      return sessions.every(Boolean) ? sessions : undefined;
    });
    expect(stored).toEqual([
      { sessionId: expect.any(String), sequence: expect.any(Number), resumeURL: expect.stringContaining('/gateway'), shardCount: 2 },
      { sessionId: expect.any(String), sequence: expect.any(Number), resumeURL: expect.stringContaining('/gateway'), shardCount: 2 },
    ]);
  });

  it('tells the dashboard each shard is ready through KV gateway-status', async () => {
    const statuses = await waitFor(async () => {
      const found = await Promise.all([0, 1].map((shard) => service!.bus.getJson<{ state: string }>(Buckets.gatewayStatus.name, `${app.id}.${shard}`)));
      return found.every((status) => status?.state === 'ready') ? found : undefined;
    });
    expect(statuses).toEqual([
      { state: 'ready', shardCount: 2 },
      { state: 'ready', shardCount: 2 },
    ]);
  });

  it('on a graceful stop stores its sessions and closes resumably, so the next start resumes every shard', async () => {
    const before = sandbox.counters(app.id).byShard;
    await service!.stop();
    service = undefined;
    // Nobody serves the shards now: their status is gone, not left saying "ready".
    const bus = await gatewayBus('gateway-status-check');
    try {
      expect(await bus.getJson(Buckets.gatewayStatus.name, `${app.id}.0`)).toBeUndefined();
      expect(await bus.getJson(Buckets.gatewayStatus.name, `${app.id}.1`)).toBeUndefined();
    } finally {
      await bus.drain();
    }
    const member = sandbox.guild(guilds[0]!.id).members.find((candidate) => !candidate.user.bot)!;
    const during = sandbox.postMessage({ channelId: guilds[0]!.generalChannelId, authorId: member.user.id, content: 'during the rollout' });

    service = await startGateway();
    await waitFor(async () => (await fetch(`${service!.ops.url}/readyz`)).status === 200, { timeoutMs: 5_000 });
    const after = sandbox.counters(app.id).byShard;
    for (const shard of [0, 1]) {
      expect(after[shard]).toEqual({ identifies: before[shard]!.identifies, resumes: before[shard]!.resumes + 1 });
    }
    const stored = await waitFor(async () => {
      const found = await readEvents((subject) => subject === `discord.evt.${app.id}.${guilds[0]!.id}.MESSAGE_CREATE`);
      return found.length > 0 ? found : undefined;
    });
    expect(stored.map((event) => (event.json as { id: string }).id)).toEqual([during.id]);
  });
});
