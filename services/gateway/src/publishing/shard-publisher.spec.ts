import { describe, expect, it } from '@jest/globals';
import type { Bus } from '@steward/bus';
import type { Logger } from '@steward/telemetry';
import { gatewayMetrics } from '../metrics.js';
import { ShardPublisher } from './shard-publisher.js';

const APP = '100000000000000009';
const GUILD = '200000000000000009';

/** A bus whose publishes the test acknowledges one by one, in any order. */
function manualBus() {
  const pending: Array<{ subject: string; acknowledge(): void }> = [];
  const bus = {
    publish: (subject: string) =>
      new Promise((resolve) =>
        pending.push({
          subject,
          acknowledge: () => resolve({ stream: 'DISCORD_EVT', seq: 1, duplicate: false }),
        }),
      ),
  } as unknown as Bus;
  return { bus, pending };
}

const published = async (type: string) =>
  (await gatewayMetrics.dispatchesPublished.get()).values.find((value) => value.labels.type === type)
    ?.value ?? 0;

describe('ShardPublisher', () => {
  it('counts each event type of an acknowledged run, and stores the position only up to the unbroken run', async () => {
    const { bus, pending } = manualBus();
    const acknowledged: number[] = [];
    const publisher = new ShardPublisher({
      bus,
      applicationId: APP,
      shardId: 0,
      backlogLimit: 100,
      logger: {} as Logger,
      onAcknowledged: (_session, sequence) => acknowledged.push(sequence),
    });
    const before = { created: await published('MESSAGE_CREATE'), deleted: await published('MESSAGE_DELETE') };
    for (const [s, t] of [
      [1, 'MESSAGE_CREATE'],
      [2, 'MESSAGE_DELETE'],
      [3, 'MESSAGE_CREATE'],
    ] as const) {
      publisher.accept('session', { t, s, d: { id: String(s), guild_id: GUILD } });
    }
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn();
    // The first goes out at once; what arrives while it is in flight waits for its acknowledgement.
    expect(pending.map((publish) => publish.subject)).toEqual([`discord.evt.${APP}.${GUILD}.MESSAGE_CREATE`]);
    pending[0]!.acknowledge();
    await turn();
    expect(acknowledged).toEqual([1]);
    expect(pending.slice(1).map((publish) => publish.subject)).toEqual([
      `discord.evt.${APP}.${GUILD}.MESSAGE_DELETE`,
      `discord.evt.${APP}.${GUILD}.MESSAGE_CREATE`,
    ]);

    // The last first: nothing more is stored while the one before it is unacknowledged.
    pending[2]!.acknowledge();
    await turn();
    expect(acknowledged).toEqual([1]);
    expect(publisher.backlog).toBe(2);

    // Then one run of two types.
    pending[1]!.acknowledge();
    expect(await publisher.drained(1_000)).toBe(true);
    expect(acknowledged).toEqual([1, 3]);
    expect(await published('MESSAGE_CREATE')).toBe(before.created + 2);
    expect(await published('MESSAGE_DELETE')).toBe(before.deleted + 1);
    expect((await gatewayMetrics.backlog.get()).values).toContainEqual({
      labels: { application: APP, shard: '0' },
      value: 0,
    });

    publisher.stop();
    expect(
      (await gatewayMetrics.backlog.get()).values.filter((value) => value.labels.application === APP),
    ).toEqual([]);
  });
});
