import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus } from '@steward/bus';
import { Buckets, guildConfig } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { SchedulerConfig } from '../src/config.js';
import { createSchedulerService } from '../src/service.js';

const APPLICATION_ID = '900000000000000001';
const TOPICS = ['tips for new users'];

/**
 * The scheduler alone on a database of its own, so that the test can take that database away
 * as a failover does: every open connection dropped, new ones refused until it is back.
 */
describe('schedule mirror', () => {
  let database: TestDatabase;
  let bus: Bus;
  let scheduler: RunningService<SchedulerConfig>;

  const databaseDown = () => database.refuseConnections();
  const databaseUp = () => database.allowConnections();

  const publish = (guildId: string, proactive: Record<string, unknown>) =>
    bus.putJson(Buckets.configGuilds.name, guildId, guildConfig.parse({ guildId, tenantId: 'tenant-mirror', applicationId: APPLICATION_ID, settings: { proactive } }));

  async function schedule(guildId: string) {
    const [row] = await database.query<{ enabled: boolean; channel_name: string; config_revision: string }>(
      'SELECT enabled, channel_name, config_revision FROM scheduler.schedules WHERE guild_id = $1',
      [guildId],
    );
    return row && { enabled: row.enabled, channelName: row.channel_name, revision: Number(row.config_revision) };
  }

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'schedule-mirror-test' });
    scheduler = await startService(createSchedulerService({ clock: { now: () => new Date('2030-03-04T09:00:00Z') } }), {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL: '1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      OPS_PORT: '0',
    });
  }, 60_000);

  afterAll(async () => {
    await databaseUp().catch(() => undefined);
    await scheduler?.stop().catch(() => undefined);
    await bus?.drain().catch(() => undefined);
    await database?.drop();
  }, 30_000);

  it('writes settings changed while its database was down once the database is back, without a restart', async () => {
    const turnedOff = '100000000000000001';
    const removed = '100000000000000002';
    for (const guildId of [turnedOff, removed]) await publish(guildId, { enabled: true, channelName: 'general', frequency: '2h', topics: TOPICS });
    await waitFor(async () => (await schedule(turnedOff))?.enabled && (await schedule(removed))?.enabled, { message: 'both schedules mirrored' });

    await databaseDown();
    try {
      // The tenant switches proactive posts off, then moves them to another channel; the other
      // guild's configuration is deleted. The scheduler sees each change while it cannot write.
      await publish(turnedOff, { enabled: false, channelName: 'general', frequency: '2h', topics: TOPICS });
      const latest = await publish(turnedOff, { enabled: false, channelName: 'announcements', frequency: '2h', topics: TOPICS });
      const kv = await bus.kv(Buckets.configGuilds.name);
      await kv.delete(removed);
      const deletion = (await kv.get(removed))!.revision;
      // Time for the scheduler to try (and fail) each write, the outage still in effect.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await expect(scheduler.dataSource!.query('SELECT 1')).rejects.toThrow(/not currently accepting connections/);

      await databaseUp();
      await waitFor(async () => (await schedule(turnedOff))?.revision === latest && (await schedule(removed))?.revision === deletion, {
        timeoutMs: 15_000,
        message: 'the changes made during the outage mirrored',
      });
      expect(await schedule(turnedOff)).toEqual({ enabled: false, channelName: 'announcements', revision: latest });
      expect(await schedule(removed)).toMatchObject({ enabled: false, revision: deletion });
    } finally {
      await databaseUp();
    }
  }, 40_000);

  it('stops promptly while it is still trying to write a change', async () => {
    await databaseDown();
    await publish('100000000000000003', { enabled: true, channelName: 'general', frequency: '2h', topics: TOPICS });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stopping = Date.now();
    await scheduler.stop();
    expect(Date.now() - stopping).toBeLessThan(3_000);
  }, 20_000);
});
