import { Bus } from '@steward/bus';
import { resetJetStream } from '@steward/testing';
import type { RouterConfig } from '../src/config.js';
import { MEMBER_COOLDOWNS_BUCKET, MemberCooldowns } from '../src/cooldown/member-cooldowns.js';

// Two replicas of the router, each with its own NATS connection, against the real KV bucket.
describe('member cooldowns across replicas', () => {
  let buses: Bus[] = [];
  let replicas: MemberCooldowns[] = [];
  const config = { ROUTER_MEMBER_COOLDOWN_MS: 10_000 } as RouterConfig;
  const t0 = Date.parse('2025-05-01T12:00:00Z');

  beforeAll(async () => {
    await resetJetStream();
    buses = await Promise.all(
      ['replica-a', 'replica-b'].map((name) => Bus.connect({ servers: process.env.NATS_URL!, name })),
    );
    await buses[0]!.ensureBuckets([MEMBER_COOLDOWNS_BUCKET]);
    replicas = buses.map((bus) => new MemberCooldowns(bus, config));
  });

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.drain()));
  });

  it('lets exactly one of many simultaneous messages of a member through, whichever replica handles it', async () => {
    const claims = Array.from({ length: 12 }, (_, n) =>
      replicas[n % 2]!.claim({ channelId: '1', memberId: '7', messageId: `m${n}`, atMs: t0 + n }),
    );
    const granted = (await Promise.all(claims)).filter(Boolean);
    expect(granted).toHaveLength(1);
  });

  it('grants a redelivered message again, refuses others within the cooldown, and frees it afterwards', async () => {
    const [a, b] = replicas as [MemberCooldowns, MemberCooldowns];
    const member = { channelId: '2', memberId: '7' };
    expect(await a.claim({ ...member, messageId: 'first', atMs: t0 })).toBe(true);
    expect(await b.claim({ ...member, messageId: 'first', atMs: t0 })).toBe(true);
    expect(await b.claim({ ...member, messageId: 'second', atMs: t0 + 9_999 })).toBe(false);
    expect(await a.claim({ ...member, messageId: 'other-channel', atMs: t0 + 1, channelId: '3' })).toBe(true);
    expect(await b.claim({ ...member, messageId: 'third', atMs: t0 + 10_000 })).toBe(true);
    // An older message handled late does not take the cooldown back.
    expect(await a.claim({ ...member, messageId: 'late', atMs: t0 + 5_000 })).toBe(false);
  });
});
