import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create, toBinary } from '@bufbuild/protobuf';
import { DiscordCommandResultSchema, Streams, Subjects } from '@steward/contracts';
import type { GuildSnapshot } from '@steward/sandbox';
import { postCommandId } from '../src/runs/proactive-subjects.js';
import { CHANNEL_RETRY_MS, ProactiveHarness, TENANT, TWO_HOURS } from './harness.js';

const PROACTIVE = { enabled: true, channelName: 'general', frequency: '2h', topics: ['tips for new users'] };

describe('a Discord outage longer than egress retries a post', () => {
  const h = new ProactiveHarness();
  let outage: GuildSnapshot;

  beforeAll(async () => {
    [outage] = await h.startWithGuilds('Outage');
    await h.startScheduler();
  }, 90_000);

  afterAll(() => h.stop(), 60_000);

  it('keeps the written post and publishes it once Discord is back, counting one message', async () => {
    await h.configure(outage.id, PROACTIVE);
    const usedBefore = await h.proactiveMessagesUsed();

    // Egress is away while the post is written, so its command waits in the stream...
    await h.stopShared('egress');
    h.clock.advance(TWO_HOURS);
    const [posting] = await h.historyWith(outage.id, 1, (entry) => entry.state === 'posting');
    // ...where egress, as after Discord answered 503 to its every attempt, gives up on it and says so.
    await h.bus.jsm.streams.purge(Streams.discordCommands.name, { filter: `discord.cmd.${h.app.id}.>` });
    const commandId = postCommandId(posting!.runId, 1);
    const gaveUp = create(DiscordCommandResultSchema, {
      commandId,
      applicationId: h.app.id,
      tenantId: TENANT,
      guildId: outage.id,
      verb: 'send',
      ok: false,
      httpStatus: 503,
      error: 'Discord failed with HTTP 503 Service Unavailable on every attempt',
      attempts: 8,
      atMs: BigInt(Date.now()),
    });
    await h.bus.publish(Subjects.egressResult, toBinary(DiscordCommandResultSchema, gaveUp), {
      msgId: `result:${commandId}`,
    });

    const [waiting] = await h.historyWith(outage.id, 1, (entry) => entry.outcome === 'discord_unavailable');
    expect(waiting).toMatchObject({
      runId: posting!.runId,
      state: 'blocked',
      messageId: null,
      finishedAt: null,
    });
    expect(waiting!.error).toMatch(/HTTP 503 .*; trying again every 1 min/);

    await h.startShared('egress');
    h.clock.advance(CHANNEL_RETRY_MS);
    const [posted] = await h.historyWith(outage.id, 1, (entry) => entry.outcome === 'posted');
    expect(posted).toMatchObject({ runId: posting!.runId, state: 'done', error: null });
    await h.settle();
    const posts = h.botPosts(outage.generalChannelId);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.content).toBe(posted!.text);
    expect(await h.proactiveMessagesUsed()).toBe(usedBefore + 1);
  }, 60_000);
});
