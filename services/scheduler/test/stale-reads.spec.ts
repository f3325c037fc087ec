import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Buckets, DirectoryRpc, type ChannelByNameReply } from '@steward/contracts';
import type { GuildSnapshot } from '@steward/sandbox';
import { RunScheduler } from '../src/runs/run-scheduler.js';
import { ProactiveHarness, TWO_HOURS } from './harness.js';

const PROACTIVE = { enabled: true, channelName: 'general', frequency: '2h', topics: ['tips for new users'] };
const WRITE_TIMEOUT_MS = 1_000;
/** Replicas that tick only when the test calls `tick()` (their loop's first tick finds nothing due). */
const TICK_ON_DEMAND = { SCHEDULER_TICK_MS: '3600000', SCHEDULER_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS) };

/** A promise and the function that settles it. */
function signal(): { done: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const done = new Promise<void>((resolve) => (fire = resolve));
  return { done, fire };
}

/** What a replica read went out of date before it acted on it: a run moved on, a guild removed. */
describe('changes a replica did not see', () => {
  const h = new ProactiveHarness();
  let lateText: GuildSnapshot;
  let removed: GuildSnapshot;

  beforeAll(async () => {
    [lateText, removed] = await h.startWithGuilds('Late text', 'Removed while down');
  }, 90_000);

  afterAll(() => h.stop(), 60_000);

  it('posts once when the text arrives while another replica takes the run over, and does not ask for a second text', async () => {
    const writer = await h.onlyScheduler(TICK_ON_DEMAND);
    const takingOver = await h.startScheduler(TICK_ON_DEMAND);
    await h.configure(lateText.id, PROACTIVE);
    const usedBefore = await h.proactiveMessagesUsed();

    // The answer service is slow: the run asks for its text, then the write timeout passes.
    await h.stopShared('answer');
    h.clock.advance(TWO_HOURS);
    await writer.app.get(RunScheduler).tick();
    const [writing] = await h.historyWith(lateText.id, 1, (e) => e.state === 'writing');

    // The other replica takes the run over and looks its channel up; the directory answers only
    // once the text has arrived and moved the run on to posting. Egress is away meanwhile, so
    // the first post is still on its way when the takeover carries on.
    const channel = await h.bus.requestJson<ChannelByNameReply>(DirectoryRpc.channelByName.subject, { guildId: lateText.id, name: 'general' });
    await h.stopShared('router');
    await h.stopShared('egress');
    const lookupStarted = signal();
    const textArrived = signal();
    const slowDirectory = h.bus.serveJson(DirectoryRpc.channelByName.subject, async () => {
      lookupStarted.fire();
      await textArrived.done;
      return channel;
    });
    h.clock.advance(WRITE_TIMEOUT_MS);
    const takeover = takingOver.app.get(RunScheduler).tick();
    await lookupStarted.done;
    await h.startShared('answer');
    await h.historyWith(lateText.id, 1, (e) => e.state === 'posting');
    textArrived.fire();
    await takeover;
    await slowDirectory.stop();
    await h.startShared('router');
    await h.startShared('egress');

    const [posted] = await h.historyWith(lateText.id, 1, (e) => e.outcome === 'posted');
    await h.settle(1_000);
    const posts = h.botPosts(lateText.generalChannelId);
    expect(posts).toHaveLength(1);
    expect(posted).toMatchObject({ runId: writing!.runId, state: 'done', messageId: posts[0]!.id, attempts: 2 });
    expect(await h.history(lateText.id)).toHaveLength(1);
    const [run] = (await writer.dataSource!.query('SELECT write_attempts FROM scheduler.runs WHERE run_id = $1', [writing!.runId])) as {
      write_attempts: number;
    }[];
    expect(run!.write_attempts).toBe(1);
    expect(await h.proactiveMessagesUsed()).toBe(usedBefore + 1);
    await h.configure(lateText.id, { ...PROACTIVE, enabled: false });
  }, 60_000);

  it('stops posting for a guild whose configuration was deleted while the scheduler was down', async () => {
    const before = await h.onlyScheduler();
    await h.configure(removed.id, PROACTIVE);
    h.clock.advance(TWO_HOURS);
    await h.historyWith(removed.id, 1, (e) => e.outcome === 'posted');

    await h.stopScheduler(before);
    await (await h.bus.kv(Buckets.configGuilds.name)).delete(removed.id);
    const after = await h.startScheduler();
    for (let period = 0; period < 3; period++) {
      h.clock.advance(TWO_HOURS);
      await h.settle();
    }

    expect(h.botPosts(removed.generalChannelId)).toHaveLength(1);
    expect(await h.history(removed.id)).toHaveLength(1);
    const [schedule] = (await after.dataSource!.query('SELECT enabled, next_run_at FROM scheduler.schedules WHERE guild_id = $1', [removed.id])) as {
      enabled: boolean;
      next_run_at: Date | null;
    }[];
    expect(schedule).toEqual({ enabled: false, next_run_at: null });
  }, 60_000);
});
