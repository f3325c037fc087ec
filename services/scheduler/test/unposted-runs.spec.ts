import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GuildSnapshot } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { MeteringRpc } from '@steward/contracts';
import { LEASE_MS, ProactiveHarness, TENANT, TWO_HOURS } from './harness.js';

const TOPICS = ['tips for new users'];
const WRITE_TIMEOUT_MS = 1_000;

/** Runs that end without a post: nothing reaches Discord, and the tenant keeps its message. */
describe('proactive runs that post nothing', () => {
  const h = new ProactiveHarness();
  let turnedOff: GuildSnapshot;
  let silentWriter: GuildSnapshot;
  let lostReply: GuildSnapshot;

  const proactive = (enabled: boolean) => ({ enabled, channelName: 'general', frequency: '2h', topics: TOPICS });

  /** Waits until metering counts `used` proactive messages for the tenant. */
  async function usageBackTo(used: number): Promise<void> {
    await waitFor(async () => (await h.proactiveMessagesUsed()) === used, {
      timeoutMs: 5_000,
      message: `the tenant's proactive usage back to ${used}`,
    }).catch(() => undefined);
    expect(await h.proactiveMessagesUsed()).toBe(used);
  }

  beforeAll(async () => {
    [turnedOff, silentWriter, lostReply] = await h.startWithGuilds('Turned off', 'Silent writer', 'Lost reply');
  }, 90_000);

  afterAll(() => h.stop(), 60_000);

  it('does not post a text that arrives after posts were turned off; the run ends skipped and its message is given back', async () => {
    await h.onlyScheduler();
    await h.configure(turnedOff.id, proactive(true));
    const usedBefore = await h.proactiveMessagesUsed();

    // The writer is busy: the run reserves its message and waits for the text.
    await h.stopShared('answer');
    h.clock.advance(TWO_HOURS);
    const [writing] = await h.historyWith(turnedOff.id, 1, (e) => e.state === 'writing');
    expect(await h.proactiveMessagesUsed()).toBe(usedBefore + 1);

    // The tenant turns posts off; the text arrives afterwards, well within the write timeout
    // (the clock stands still, so only the text's arrival can end the run).
    await h.configure(turnedOff.id, proactive(false));
    await h.startShared('answer');
    const [done] = await h.historyWith(turnedOff.id, 1, (e) => e.state === 'done');
    expect(done).toMatchObject({ runId: writing!.runId, outcome: 'skipped', messageId: null });
    expect(done!.error).toMatch(/turned off while the post was being written/);
    await h.settle();
    expect(h.botPosts(turnedOff.generalChannelId)).toHaveLength(0);
    await usageBackTo(usedBefore);
  }, 60_000);

  it('gives back the message of a run whose text never came, also when metering was away as the run failed', async () => {
    const scheduler = await h.onlyScheduler({ SCHEDULER_MAX_WRITE_ATTEMPTS: '2', SCHEDULER_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS) });
    await h.configure(silentWriter.id, proactive(true));
    const usedBefore = await h.proactiveMessagesUsed();

    // The writer never answers: the run asks twice, then gives up.
    await h.stopShared('answer');
    h.clock.advance(TWO_HOURS);
    const [run] = await h.historyWith(silentWriter.id, 1, (e) => e.state === 'writing');
    const runRow = async () => {
      const [row] = (await scheduler.dataSource!.query('SELECT write_attempts, release_reservation FROM scheduler.runs WHERE run_id = $1', [
        run!.runId,
      ])) as { write_attempts: number; release_reservation: boolean }[];
      return row!;
    };
    h.clock.advance(WRITE_TIMEOUT_MS);
    await waitFor(async () => (await runRow()).write_attempts === 2, { timeoutMs: 5_000, message: 'the second request for the text' });
    expect(await h.proactiveMessagesUsed()).toBe(usedBefore + 1);

    // Metering is unreachable when the run fails: the release waits, it is not lost.
    await h.stopShared('metering');
    h.clock.advance(WRITE_TIMEOUT_MS);
    const [failed] = await h.historyWith(silentWriter.id, 1, (e) => e.state === 'done');
    expect(failed).toMatchObject({ runId: run!.runId, outcome: 'failed', messageId: null });
    await h.settle();
    expect((await runRow()).release_reservation).toBe(true);

    await h.startShared('metering');
    await usageBackTo(usedBefore);

    // The late texts of both requests change nothing.
    await h.startShared('answer');
    await h.settle(1_000);
    expect(h.botPosts(silentWriter.generalChannelId)).toHaveLength(0);
    expect((await h.history(silentWriter.id))[0]).toMatchObject({ outcome: 'failed' });
    await usageBackTo(usedBefore);
    await h.configure(silentWriter.id, proactive(false));
  }, 60_000);

  it('gives back a message metering granted to a run that never heard so, when the run ends without a post', async () => {
    await h.onlyScheduler();
    await h.configure(lostReply.id, proactive(true));
    const usedBefore = await h.proactiveMessagesUsed();

    // Metering is away when the slot comes: the run waits for its next try.
    await h.stopShared('metering');
    h.clock.advance(TWO_HOURS);
    const [run] = await h.historyWith(lostReply.id, 1, (e) => e.state === 'due');
    await h.settle();
    // Metering granted the run's message, as it does when its reply is lost on the way back.
    await h.startShared('metering');
    const granted = await h.bus.requestJson<{ granted: boolean }>(
      MeteringRpc.reserve.subject,
      { tenantId: TENANT, operationId: run!.runId, kind: 'proactive', channel: 'discord', guildId: lostReply.id },
      { timeoutMs: 10_000 },
    );
    expect(granted.granted).toBe(true);
    expect(await h.proactiveMessagesUsed()).toBe(usedBefore + 1);

    // Posts are turned off before the run's next try: it ends skipped, and the message comes back.
    await h.configure(lostReply.id, proactive(false));
    h.clock.advance(LEASE_MS + 1);
    const [done] = await h.historyWith(lostReply.id, 1, (e) => e.state === 'done');
    expect(done).toMatchObject({ runId: run!.runId, outcome: 'skipped', messageId: null });
    await usageBackTo(usedBefore);
    expect(h.botPosts(lostReply.generalChannelId)).toHaveLength(0);
  }, 60_000);
});
