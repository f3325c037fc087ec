import { Bus } from '@steward/bus';
import { Buckets, takeoverKey, type TakeoverEntry } from '@steward/contracts';
import { resetJetStream, waitFor } from '@steward/testing';
import { TakeoverMirror } from './takeover-mirror.js';

const CONVERSATION = '123456789012345678:223456789012345678:323456789012345678';

function entry(conversationId: string, untilMs: number): TakeoverEntry {
  return { conversationId, tenantId: 'acme', by: 'agent', agentId: 'agent-1', atMs: Date.now(), untilMs };
}

describe('takeover mirror', () => {
  let bus: Bus;
  beforeAll(async () => {
    await resetJetStream(process.env.NATS_URL!);
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'takeover-mirror-test' });
  });
  afterAll(() => bus.drain());

  it('follows takeovers put before and after it opened, their end, and their hand-back', async () => {
    await bus.ensureBuckets([{ ...Buckets.takeover, ttlMs: 60_000 }]);
    const other = CONVERSATION.replace(/8$/, '9');
    await bus.putJson(Buckets.takeover.name, takeoverKey(CONVERSATION), entry(CONVERSATION, Date.now() + 60_000));
    const mirror = await TakeoverMirror.open(bus);
    try {
      expect(mirror.holds(CONVERSATION, 'acme')).toBe(true);
      expect(mirror.holds(other, 'acme')).toBe(false);
      // Another tenant's people (the server was linked to acme before) do not silence this one.
      expect(mirror.holds(CONVERSATION, 'initech')).toBe(false);
      // The window ends at untilMs even though the key is still in the bucket.
      expect(mirror.holds(CONVERSATION, 'acme', Date.now() + 61_000)).toBe(false);

      await bus.putJson(Buckets.takeover.name, takeoverKey(other), entry(other, Date.now() + 60_000));
      await waitFor(() => mirror.holds(other, 'acme'));

      await (await bus.kv(Buckets.takeover.name)).delete(takeoverKey(CONVERSATION));
      await waitFor(() => !mirror.holds(CONVERSATION, 'acme'));
      expect(mirror.holds(other, 'acme')).toBe(true);
    } finally {
      mirror.close();
    }
  });

  it('sees its own put at once, and treats an unreadable entry as taken over', async () => {
    await bus.ensureBuckets([{ ...Buckets.takeover, ttlMs: 60_000 }]);
    const mirror = await TakeoverMirror.open(bus);
    try {
      const own = entry('1:2:3', Date.now() + 60_000);
      const kv = await bus.kv(Buckets.takeover.name);
      await kv.put(takeoverKey(own.conversationId), JSON.stringify(own));
      mirror.record(own.conversationId, own);
      expect(mirror.holds(own.conversationId, 'acme')).toBe(true);

      await kv.put(takeoverKey('4:5:6'), 'not json');
      await waitFor(() => mirror.holds('4:5:6', 'acme'));
      expect(mirror.holds('4:5:6', 'initech')).toBe(true);
    } finally {
      mirror.close();
    }
  });

  it('without the bucket, holds nothing and starts following once the bucket is declared', async () => {
    await resetJetStream(process.env.NATS_URL!);
    const mirror = TakeoverMirror.follow(bus);
    try {
      expect(mirror.holds(CONVERSATION, 'acme')).toBe(false);
      await bus.ensureBuckets([{ ...Buckets.takeover, ttlMs: 60_000 }]);
      await bus.putJson(Buckets.takeover.name, takeoverKey(CONVERSATION), entry(CONVERSATION, Date.now() + 60_000));
      await waitFor(() => mirror.holds(CONVERSATION, 'acme'), { timeoutMs: 15_000 });
    } finally {
      mirror.close();
    }
  }, 20_000);
});
