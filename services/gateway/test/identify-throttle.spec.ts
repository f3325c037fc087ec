import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Bus } from '@steward/bus';
import { startDiscordSandbox, type DiscordSandbox } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { GatewayCloseCodes } from 'discord-api-types/v10';
import { ApplicationGateway } from '../src/shards/application-gateway.js';
import { gatewayIntents } from '../src/shards/gateway-supervisor.js';
import { capturingLogger, gatewayBus } from './helpers.js';

const GATEWAY_INTERVAL_MS = 400;
/** Discord's side: an IDENTIFY sooner than this after the previous one of its bucket is closed with 4008. */
const SANDBOX_INTERVAL_MS = 350;

describe('gateway: identify throttling across replicas', () => {
  let sandbox: DiscordSandbox;
  const buses: Bus[] = [];
  const gateways: ApplicationGateway[] = [];

  beforeAll(async () => {
    sandbox = await startDiscordSandbox({ identifyIntervalMs: SANDBOX_INTERVAL_MS, maxConcurrency: 1 });
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(buses.map((bus) => bus.drain()));
    await sandbox.close();
  });

  it('two replicas of one application never identify in the same bucket within the interval', async () => {
    const app = sandbox.createApplication({ name: 'Steward' });
    const logs = capturingLogger();
    const startedAt = performance.now();
    // Two replicas, shards 0-1 and 2-3 of 4, all in the one bucket max_concurrency 1 gives.
    for (const shards of [[0, 1], [2, 3]]) {
      const bus = await gatewayBus(`replica-${shards.join('-')}`);
      buses.push(bus);
      gateways.push(
        await ApplicationGateway.start({
          token: app.token,
          applicationId: app.id,
          apiUrl: sandbox.apiUrl,
          shardCount: 4,
          selection: { shards },
          intents: gatewayIntents(false),
          identifyIntervalMs: GATEWAY_INTERVAL_MS,
          backlogLimit: 100,
          sessionFlushMs: 1_000,
          bus,
          logger: logs.logger,
        }),
      );
    }
    await waitFor(() => gateways.every((gateway) => gateway.notReady().length === 0), { timeoutMs: 8_000 });

    const rateLimited = logs.lines.filter((line) => line.code === GatewayCloseCodes.RateLimited);
    expect(rateLimited).toEqual([]);
    expect(sandbox.counters(app.id).identifies).toBe(4);
    // Four identifies one after the other, each at least the interval after the previous one.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(3 * GATEWAY_INTERVAL_MS);
  });
});
