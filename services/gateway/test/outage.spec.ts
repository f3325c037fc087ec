import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Bus } from '@steward/bus';
import { startDiscordSandbox, type DiscordSandbox } from '@steward/sandbox';
import { waitFor, workspaceRoot } from '@steward/testing';
import { gatewayMetrics } from '../src/metrics.js';
import { ApplicationGateway } from '../src/shards/application-gateway.js';
import { gatewayIntents } from '../src/shards/gateway-supervisor.js';
import { capturingLogger, gatewayBus, readEvents } from './helpers.js';

interface NatsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

// A NATS server of its own, so the test can take JetStream away from the gateway.
const infra = (await import(path.join(workspaceRoot, 'deploy/local/infra.mjs'))) as {
  startNats(options: { dataDir: string; port?: number }): Promise<NatsServer>;
};

describe('gateway: JetStream outage', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-outage-'));
  let nats: NatsServer;
  let sandbox: DiscordSandbox;
  let bus: Bus;
  let gateway: ApplicationGateway | undefined;

  beforeAll(async () => {
    nats = await infra.startNats({ dataDir });
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0 });
    bus = await gatewayBus('outage-test', nats.url);
  });

  afterAll(async () => {
    await gateway?.stop();
    await bus?.drain();
    await nats?.stop();
    await sandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds what it cannot publish, pauses when the backlog is full, and loses nothing once JetStream is back', async () => {
    const app = sandbox.createApplication({ name: 'Steward' });
    const guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    const member = sandbox.createMember({ guildId: guild.id, username: 'alice' });
    const { logger, lines } = capturingLogger();
    gateway = await ApplicationGateway.start({
      token: app.token,
      applicationId: app.id,
      apiUrl: sandbox.apiUrl,
      selection: {},
      intents: gatewayIntents(false),
      identifyIntervalMs: 0,
      backlogLimit: 3,
      sessionFlushMs: 100,
      bus,
      logger,
    });
    await waitFor(() => gateway!.notReady().length === 0);

    await nats.stop();
    const posted = Array.from({ length: 6 }, (_, index) =>
      sandbox.postMessage({ channelId: guild.generalChannelId, authorId: member.user.id, content: `message ${index}` }),
    );
    await waitFor(() => lines.find((line) => /backlog full/.test(String(line.msg))), { message: 'the backlog-full line' });
    // What operators watch: the shard's backlog gauge, read when metrics are scraped.
    const backlog = async () =>
      (await gatewayMetrics.backlog.get()).values.find((value) => value.labels.application === app.id)?.value;
    expect(await backlog()).toBe(3);
    nats = await infra.startNats({ dataDir, port: nats.port });

    const subject = `discord.evt.${app.id}.${guild.id}.MESSAGE_CREATE`;
    const stored = await waitFor(
      async () => {
        const events = await readEvents((candidate) => candidate === subject, nats.url);
        return events.length >= posted.length ? events : undefined;
      },
      { timeoutMs: 15_000, message: 'every message in the stream' },
    );
    expect(stored.map((event) => (event.json as { id: string }).id)).toEqual(posted.map((message) => message.id));
    // Resumed (more than once when the replay itself fills the tiny backlog), never re-identified.
    expect(sandbox.counters(app.id).identifies).toBe(1);
    expect(sandbox.counters(app.id).resumes).toBeGreaterThanOrEqual(1);
    await waitFor(() => gateway!.notReady().length === 0);
    await waitFor(async () => (await backlog()) === 0, { message: 'the backlog gauge back at 0' });
  }, 30_000);
});
