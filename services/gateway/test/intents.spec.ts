import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import { startDiscordSandbox, type DiscordSandbox } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationGateway, RejectedTokenError } from '../src/shards/application-gateway.js';
import { gatewayIntents } from '../src/shards/gateway-supervisor.js';
import { capturingLogger, gatewayBus } from './helpers.js';

describe('gateway: applications Discord refuses', () => {
  let sandbox: DiscordSandbox;
  let bus: Bus;
  const gateways: ApplicationGateway[] = [];

  const start = (
    token: string,
    logger: ReturnType<typeof capturingLogger>['logger'],
    applicationId?: string,
    tokenSource?: string,
  ) =>
    ApplicationGateway.start({
      token,
      applicationId,
      tokenSource,
      apiUrl: sandbox.apiUrl,
      selection: {},
      intents: gatewayIntents(false),
      identifyIntervalMs: 0,
      backlogLimit: 100,
      sessionFlushMs: 100,
      bus,
      logger,
    }).then((gateway) => {
      gateways.push(gateway);
      return gateway;
    });

  beforeAll(async () => {
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0 });
    bus = await gatewayBus('intents-test');
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await bus.drain();
    await sandbox.close();
  });

  it('explains a missing Message Content intent (4014) in one line, stops retrying it, and keeps other applications running', async () => {
    const withoutIntent = sandbox.createApplication({ name: 'No Content', privilegedIntents: 0 });
    const healthy = sandbox.createApplication({ name: 'Steward' });
    sandbox.createGuild({ name: 'Acme', applicationIds: [withoutIntent.id, healthy.id] });
    const refused = capturingLogger();
    const fine = capturingLogger();

    const refusedGateway = await start(withoutIntent.token, refused.logger, withoutIntent.id);
    const healthyGateway = await start(healthy.token, fine.logger);

    const line = await waitFor(() => refused.lines.find((entry) => entry.closeCode === 4014));
    expect(line.level).toBe('error');
    expect(line.msg).toMatch(/4014 \(disallowed intents\): enable "Message Content Intent" under Privileged Gateway Intents in the Discord Developer Portal/);
    expect(line.msg).toContain(`https://discord.com/developers/applications/${withoutIntent.id}/bot`);

    await waitFor(() => healthyGateway.notReady().length === 0);
    await sleep(1_500); // a retrying shard would have tried again by now (the library waits 500 ms)
    expect(refused.lines.filter((entry) => entry.level === 'error')).toHaveLength(1);
    expect(refusedGateway.failed).toBe(true);
    expect(refusedGateway.notReady()).toEqual([]);
    expect(sandbox.counters(withoutIntent.id).identifies).toBe(0);
    expect(sandbox.sessions(healthy.id)).toHaveLength(1);
    // The dashboard learns why this bot is offline.
    expect(await bus.getJson(Buckets.gatewayStatus.name, `${withoutIntent.id}.0`)).toEqual({
      state: 'failed',
      shardCount: 1,
      failure: 'disallowed_intents',
    });
  });

  it('explains a bot token Discord rejects', async () => {
    const { logger } = capturingLogger();
    await expect(start('not-a-valid-token-at-all-000000', logger)).rejects.toThrow(RejectedTokenError);
    await expect(start('not-a-valid-token-at-all-000000', logger)).rejects.toThrow(
      /Discord rejected the bot token \(401 on GET \/api\/v10\/applications\/@me\): reset the token under Bot in the Discord Developer Portal and update it in DISCORD_BOT_TOKEN/,
    );
    // A tenant's own bot is fixed on the dashboard, not in the environment.
    await expect(
      start('not-a-valid-token-at-all-000000', logger, '1400000000000000001', 'on the Custom bot page of the dashboard'),
    ).rejects.toThrow(/of application 1400000000000000001 .*and update it on the Custom bot page of the dashboard$/);
  });
});
