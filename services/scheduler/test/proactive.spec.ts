import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { textSimilarity } from '@steward/ai';
import { DEFAULT_BOT_PERMISSIONS, Permission, type GuildSnapshot } from '@steward/sandbox';
import {
  decode,
  discordCommandSubject,
  DiscordCommandResultSchema,
  DiscordCommandSchema,
  encode,
  Streams,
  Subjects,
} from '@steward/contracts';
import { storedMessages, waitFor } from '@steward/testing';
import { RunScheduler } from '../src/runs/run-scheduler.js';
import { CHANNEL_RETRY_MS, LEASE_MS, ProactiveHarness, TENANT, TWO_HOURS } from './harness.js';

const TOPICS = ['tips for new users', 'the new export feature', 'weekly office hours'];

describe('proactive messages', () => {
  const h = new ProactiveHarness();
  let replicas: GuildSnapshot;
  let crash: GuildSnapshot;
  let downtime: GuildSnapshot;
  let channels: GuildSnapshot;
  let unsubscribed: GuildSnapshot;
  let quiet: GuildSnapshot;
  let outage: GuildSnapshot;

  beforeAll(async () => {
    await h.start((discord, app) => {
      replicas = discord.createGuild({ name: 'Replicas', applicationIds: [app.id] });
      crash = discord.createGuild({ name: 'Crash', applicationIds: [app.id] });
      downtime = discord.createGuild({ name: 'Downtime', applicationIds: [app.id] });
      channels = discord.createGuild({ name: 'Channels', applicationIds: [app.id] });
      unsubscribed = discord.createGuild({ name: 'No plan', applicationIds: [app.id] });
      quiet = discord.createGuild({ name: 'Quiet nights', applicationIds: [app.id] });
      outage = discord.createGuild({ name: 'Outage', applicationIds: [app.id] });
    });
    await h.addDocument(
      'Getting started',
      'New users should first complete their profile under Settings > Profile. Pin the channels you use most with a right click. ' +
        'The search bar understands filters such as from:@name and in:#channel. Keyboard shortcuts are listed under Help > Shortcuts. ' +
        'Turn on two-factor authentication under Settings > Security to protect your account.',
    );
    await h.addDocument(
      'Exporting your data',
      'The new export feature saves a whole workspace as a ZIP archive. Open Settings > Data and click Export workspace. ' +
        'Exports include attachments up to 2 GB. You get an e-mail with the download link when the archive is ready. ' +
        'Download links stay valid for seven days. Tables can be exported as CSV or JSON.',
    );
    await h.addDocument(
      'Office hours',
      'Weekly office hours take place every Thursday at 17:00 UTC in the Stage channel. The product team answers questions live. ' +
        'You can submit questions in advance in the office-hours thread. Recordings are posted in the announcements channel the next day.',
    );
    for (const guild of [replicas, crash, downtime, channels, unsubscribed, quiet, outage]) await h.channelKnown(guild.id, 'general');
  }, 90_000);

  afterAll(() => h.stop(), 60_000);

  it('fires each post exactly once with three replicas over ten periods: on topic, each unlike the one before', async () => {
    for (let i = 0; i < 3; i++) await h.startScheduler();
    const usedBefore = await h.proactiveMessagesUsed();
    await h.configure(replicas.id, { enabled: true, channelName: 'general', frequency: '2h', topics: TOPICS });

    for (let period = 1; period <= 10; period++) {
      h.clock.advance(TWO_HOURS);
      await h.historyWith(replicas.id, period, (entry) => entry.outcome === 'posted');
    }
    await h.settle();

    const posts = h.botPosts(replicas.generalChannelId);
    expect(posts).toHaveLength(10);
    const history = (await h.history(replicas.id)).reverse();
    expect(history).toHaveLength(10);
    expect(history.every((entry) => entry.outcome === 'posted' && entry.attempts === 1)).toBe(true);
    expect(new Set(history.map((entry) => entry.messageId))).toEqual(new Set(posts.map((post) => post.id)));
    // Topics in rotation, each post about its topic.
    expect(history.map((entry) => entry.topic)).toEqual([...TOPICS, ...TOPICS, ...TOPICS, TOPICS[0]]);
    for (const entry of history) expect(entry.text).toContain(entry.topic);
    expect(history.find((entry) => entry.topic === 'the new export feature')!.text).toMatch(/export/i);
    expect(history.find((entry) => entry.topic === 'weekly office hours')!.text).toMatch(/Thursday|office hours|Stage|recordings/i);
    // Posts follow the grid: one every two hours.
    const due = history.map((entry) => Date.parse(entry.dueAt));
    for (let i = 1; i < due.length; i++) expect(due[i]! - due[i - 1]!).toBe(TWO_HOURS);
    // Consecutive posts differ, and so do posts on the same topic.
    for (let i = 1; i < history.length; i++) {
      expect(textSimilarity(history[i]!.text!, history[i - 1]!.text!)).toBeLessThan(0.5);
      if (i >= 3) expect(textSimilarity(history[i]!.text!, history[i - 3]!.text!)).toBeLessThan(0.5);
    }
    expect(await h.proactiveMessagesUsed()).toBe(usedBefore + 10);

    await h.configure(replicas.id, { enabled: false, channelName: 'general', frequency: '2h', topics: TOPICS });
  }, 60_000);

  it('posts once when the replica that claimed the run dies before publishing anything', async () => {
    for (const scheduler of [...h.schedulers]) await h.stopScheduler(scheduler);
    const doomed = await h.startScheduler({ SCHEDULER_TICK_MS: '3600000' });
    const usedBefore = await h.proactiveMessagesUsed();
    await h.configure(crash.id, { enabled: true, channelName: 'general', frequency: '2h', topics: TOPICS });

    h.clock.advance(TWO_HOURS);
    const claimed = await doomed.app.get(RunScheduler).claim();
    expect(claimed.map((run) => run.guildId)).toEqual([crash.id]);
    // The replica dies right after its claim committed: nothing was published for the run.
    await h.stopScheduler(doomed);

    const survivor = await h.startScheduler();
    await h.settle();
    expect((await h.history(crash.id))[0]).toMatchObject({ state: 'due', outcome: 'pending' });
    expect(h.botPosts(crash.generalChannelId)).toHaveLength(0); // the claim's lease still holds
    h.clock.advance(LEASE_MS + 1);
    const [entry] = await h.historyWith(crash.id, 1, (e) => e.outcome === 'posted');
    await h.settle();

    expect(entry).toMatchObject({ runId: claimed[0]!.runId, attempts: 2, topic: TOPICS[0] });
    expect(h.botPosts(crash.generalChannelId)).toHaveLength(1);
    expect(await h.proactiveMessagesUsed()).toBe(usedBefore + 1);
    await h.configure(crash.id, { enabled: false, channelName: 'general', frequency: '2h', topics: TOPICS });
    expect(h.schedulers.has(survivor)).toBe(true);
  }, 60_000);

  it('posts once after a day of downtime, then keeps to its two-hour grid', async () => {
    const scheduler = [...h.schedulers][0]!;
    await h.configure(downtime.id, { enabled: true, channelName: 'general', frequency: '2h', topics: TOPICS });
    const enabledAt = h.clock.now().getTime();

    h.clock.advance(TWO_HOURS);
    await h.historyWith(downtime.id, 1, (e) => e.outcome === 'posted');
    await h.stopScheduler(scheduler);

    h.clock.advance(24 * 60 * 60 * 1000 + 30 * 60 * 1000); // a day and half an hour later
    await h.startScheduler();
    await h.historyWith(downtime.id, 2, (e) => e.outcome === 'posted');
    await h.settle();
    expect(h.botPosts(downtime.generalChannelId)).toHaveLength(2);

    // Back on the grid: the next post is due at the next two-hour slot after the enabling time.
    const now = h.clock.now().getTime();
    const nextSlot = enabledAt + Math.ceil((now - enabledAt) / TWO_HOURS) * TWO_HOURS;
    h.clock.advance(nextSlot - now - 60_000);
    await h.settle();
    expect(h.botPosts(downtime.generalChannelId)).toHaveLength(2);
    h.clock.advance(60_000);
    const history = await h.historyWith(downtime.id, 3, (e) => e.outcome === 'posted');
    await h.settle();
    expect(h.botPosts(downtime.generalChannelId)).toHaveLength(3);
    expect(Date.parse(history[0]!.dueAt)).toBe(nextSlot);
    expect(history).toHaveLength(3);
    await h.configure(downtime.id, { enabled: false, channelName: 'general', frequency: '2h', topics: TOPICS });
  }, 60_000);

  it('records a missing or unwritable channel clearly, keeps running, and posts once it is fixed', async () => {
    await h.startScheduler(); // two replicas from here on
    await h.configure(channels.id, { enabled: true, channelName: 'announcements', frequency: '2h', topics: TOPICS });

    h.clock.advance(TWO_HOURS);
    const [missing] = await h.historyWith(channels.id, 1, (e) => e.outcome === 'channel_missing');
    expect(missing).toMatchObject({ state: 'blocked', channelName: 'announcements', messageId: null });
    expect(missing!.error).toMatch(/no text channel named #announcements in this server \(renamed or deleted\?\); trying again every 1 min/);
    for (const scheduler of h.schedulers) expect((await fetch(`${scheduler.ops.url}/readyz`)).status).toBe(200);

    // The owner creates the channel again; the next retry posts the same run there.
    const announcements = h.discord.createChannel({ guildId: channels.id, name: 'announcements' }).id;
    await h.channelKnown(channels.id, 'announcements');
    h.clock.advance(CHANNEL_RETRY_MS);
    const [posted] = await h.historyWith(channels.id, 1, (e) => e.outcome === 'posted');
    expect(posted).toMatchObject({ runId: missing!.runId, channelId: announcements, error: null });
    expect(h.botPosts(announcements)).toHaveLength(1);

    // The bot loses Send Messages (its own role and @everyone): Discord refuses, the history says
    // why, and posting resumes when the permission is back.
    const botRole = channels.botRoleIds[h.app.botUserId]!;
    const everyone = channels.roles.find((role) => role.id === channels.id)!;
    const withoutSend = (permissions: bigint) => permissions & ~Permission.SendMessages;
    h.discord.setRolePermissions({ guildId: channels.id, roleId: botRole, permissions: withoutSend(DEFAULT_BOT_PERMISSIONS) });
    h.discord.setRolePermissions({ guildId: channels.id, roleId: everyone.id, permissions: withoutSend(BigInt(everyone.permissions)) });
    h.clock.advance(TWO_HOURS);
    const [refused] = await h.historyWith(channels.id, 1, (e) => e.outcome === 'channel_unwritable');
    expect(refused).toMatchObject({ state: 'blocked', channelId: announcements });
    expect(refused!.error).toMatch(/the bot cannot send messages in this channel.*trying again every 1 min/);
    expect(h.botPosts(announcements)).toHaveLength(1);

    h.discord.setRolePermissions({ guildId: channels.id, roleId: botRole, permissions: DEFAULT_BOT_PERMISSIONS });
    h.discord.setRolePermissions({ guildId: channels.id, roleId: everyone.id, permissions: everyone.permissions });
    h.clock.advance(CHANNEL_RETRY_MS);
    await h.historyWith(channels.id, 2, (e) => e.outcome === 'posted');
    await h.settle();
    expect(h.botPosts(announcements)).toHaveLength(2);
    await h.configure(channels.id, { enabled: false, channelName: 'announcements', frequency: '2h', topics: TOPICS });
  }, 60_000);

  /**
   * Discord answers 503 for longer than egress keeps trying: egress is held, and the test takes
   * the guild's queued post back and reports it given up, as egress does after its last delivery.
   */
  async function egressGivesUpOnThePost(guildId: string): Promise<void> {
    const queued = await waitFor(async () =>
      (await storedMessages(h.bus.jsm, Streams.discordCommands.name, discordCommandSubject(h.app.id, 'send')))
        .map(({ seq, data }) => ({ seq, command: decode(DiscordCommandSchema, data) }))
        .find(({ command }) => command.guildId === guildId),
    );
    await h.bus.jsm.streams.deleteMessage(Streams.discordCommands.name, queued.seq);
    const { commandId } = queued.command;
    await h.bus.publish(
      Subjects.egressResult,
      encode(DiscordCommandResultSchema, {
        commandId,
        applicationId: h.app.id,
        tenantId: TENANT,
        guildId,
        verb: 'send',
        ok: false,
        httpStatus: 503,
        error: 'gave up after 8 deliveries: Discord failed with HTTP 503 Service Unavailable on every attempt',
        transient: true,
        attempts: 8,
        atMs: BigInt(Date.now()),
      }),
      { msgId: `result:${commandId}` },
    );
  }

  it('tries a post again that a Discord outage kept out, until the next slot replaces it', async () => {
    await h.configure(outage.id, { enabled: true, channelName: 'general', frequency: '2h', topics: TOPICS });
    await h.stopShared('egress');
    h.clock.advance(TWO_HOURS);
    const [posting] = await h.historyWith(outage.id, 1, (e) => e.state === 'posting');
    await egressGivesUpOnThePost(outage.id);

    const [waiting] = await h.historyWith(outage.id, 1, (e) => e.outcome === 'discord_unavailable');
    expect(waiting).toMatchObject({ runId: posting!.runId, state: 'blocked', messageId: null });
    expect(waiting!.error).toMatch(/HTTP 503 .*; trying again every 1 min$/);

    // Discord (and egress) are back: the next retry posts the text written for the slot, once.
    await h.startShared('egress');
    h.clock.advance(CHANNEL_RETRY_MS);
    const [posted] = await h.historyWith(outage.id, 1, (e) => e.outcome === 'posted');
    expect(posted).toMatchObject({ runId: posting!.runId, text: posting!.text, error: null });
    await h.settle();
    expect(h.botPosts(outage.generalChannelId)).toHaveLength(1);

    // An outage that outlasts the period: the post held back gives way to the next slot (its
    // message of quota given back), and that slot's own post goes out once Discord is back.
    await h.stopShared('egress');
    h.clock.advance(TWO_HOURS);
    const [second] = await h.historyWith(outage.id, 1, (e) => e.state === 'posting');
    await egressGivesUpOnThePost(outage.id);
    await h.historyWith(outage.id, 1, (e) => e.runId === second!.runId && e.outcome === 'discord_unavailable');
    h.clock.advance(TWO_HOURS);
    const [replaced] = await h.historyWith(outage.id, 1, (e) => e.runId === second!.runId && e.state === 'done');
    expect(replaced).toMatchObject({ outcome: 'failed', messageId: null });
    expect(replaced!.error).toMatch(/unavailable until the next post was due/);
    await h.historyWith(outage.id, 1, (e) => e.runId !== second!.runId && e.state === 'posting');
    await h.startShared('egress');
    await h.historyWith(outage.id, 2, (e) => e.outcome === 'posted');
    await h.settle();
    expect(h.botPosts(outage.generalChannelId)).toHaveLength(2);
    await h.configure(outage.id, { enabled: false, channelName: 'general', frequency: '2h', topics: TOPICS });
  }, 60_000);

  const MINUTE = 60_000;
  /**
   * Posts every two hours to #announcements of the quiet guild, quiet (UTC) from half an hour
   * after the next post is due, for three hours; resolves with the end of the quiet hours.
   */
  async function quietAfterNextPost(): Promise<number> {
    const clockTime = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const quietFrom = h.clock.now().getTime() + TWO_HOURS + 30 * MINUTE;
    const quietUntil = quietFrom + 3 * 60 * MINUTE;
    await h.configure(quiet.id, {
      enabled: true,
      channelName: 'announcements',
      frequency: '2h',
      topics: TOPICS,
      quietHours: { start: clockTime(quietFrom), end: clockTime(quietUntil) },
      timeZone: 'UTC',
    });
    return quietUntil;
  }

  /**
   * The writer is away when the next post is due; its text comes once the quiet hours have
   * begun, and is kept on the run. Resolves with the run's id.
   */
  async function textWrittenIntoQuietHours(): Promise<string> {
    await h.stopShared('answer');
    h.clock.advance(TWO_HOURS);
    const [writing] = await h.historyWith(quiet.id, 1, (e) => e.state === 'writing' && e.text === null);
    h.clock.advance(40 * MINUTE);
    await h.startShared('answer');
    await h.historyWith(quiet.id, 1, (e) => e.runId === writing!.runId && e.state === 'writing' && e.text !== null);
    return writing!.runId;
  }

  it('keeps a run that is retried during quiet hours until they end', async () => {
    const quietUntil = await quietAfterNextPost();

    h.clock.advance(TWO_HOURS);
    const [missing] = await h.historyWith(quiet.id, 1, (e) => e.outcome === 'channel_missing');
    // Into the quiet hours: the blocked run comes up for its retry there.
    h.clock.advance(40 * MINUTE);
    await h.historyWith(quiet.id, 1, (e) => e.runId === missing!.runId && e.attempts > missing!.attempts);
    const announcements = h.discord.createChannel({ guildId: quiet.id, name: 'announcements' }).id;
    await h.channelKnown(quiet.id, 'announcements');
    h.clock.advance(CHANNEL_RETRY_MS);
    await h.settle();
    expect(h.botPosts(announcements)).toHaveLength(0);

    h.clock.advance(quietUntil - h.clock.now().getTime());
    const [posted] = await h.historyWith(quiet.id, 1, (e) => e.outcome === 'posted');
    expect(posted).toMatchObject({ runId: missing!.runId, channelId: announcements });
    expect(h.botPosts(announcements)).toHaveLength(1);
    await h.configure(quiet.id, { enabled: false, channelName: 'announcements', frequency: '2h', topics: TOPICS });
  }, 60_000);

  it('holds a text written late, into the quiet hours, until they end', async () => {
    const quietUntil = await quietAfterNextPost();
    const announcements = await h.channelKnown(quiet.id, 'announcements');
    const postsBefore = h.botPosts(announcements).length;

    const runId = await textWrittenIntoQuietHours();
    await h.settle();
    expect(h.botPosts(announcements)).toHaveLength(postsBefore);

    h.clock.advance(quietUntil - h.clock.now().getTime());
    await h.historyWith(quiet.id, 1, (e) => e.runId === runId && e.outcome === 'posted');
    expect(h.botPosts(announcements)).toHaveLength(postsBefore + 1);
    await h.configure(quiet.id, { enabled: false, channelName: 'announcements', frequency: '2h', topics: TOPICS });
  }, 60_000);

  it('drops a text kept through the quiet hours when posts are turned off meanwhile, and gives its message back', async () => {
    const quietUntil = await quietAfterNextPost();
    const announcements = await h.channelKnown(quiet.id, 'announcements');
    const postsBefore = h.botPosts(announcements).length;
    const usedBefore = await h.proactiveMessagesUsed();

    const runId = await textWrittenIntoQuietHours();
    await h.configure(quiet.id, { enabled: false, channelName: 'announcements', frequency: '2h', topics: TOPICS });

    h.clock.advance(quietUntil - h.clock.now().getTime());
    const [done] = await h.historyWith(quiet.id, 1, (e) => e.runId === runId && e.state === 'done');
    expect(done).toMatchObject({ outcome: 'skipped', messageId: null });
    await h.settle();
    expect(h.botPosts(announcements)).toHaveLength(postsBefore);
    await waitFor(async () => (await h.proactiveMessagesUsed()) === usedBefore, {
      timeoutMs: 5_000,
      message: 'the message of the dropped post given back',
    });
  }, 60_000);

  it('refuses a history cursor it did not write, however well it decodes', async () => {
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    const forgedCursors = [
      cursor('-271821-04-20T00:00:00Z|run'),
      cursor('-271821-04-20T00:00:00.000Z|run'),
      cursor('2030-03-04|run'),
      'not-a-cursor',
    ];
    for (const forged of forgedCursors) {
      await expect(
        h.bus.requestJson('rpc.scheduler.history.list', { tenantId: 'tenant-proactive', limit: 5, cursor: forged }),
      ).rejects.toMatchObject({ code: 'bad_request' });
    }
  });

  it('skips and records a post the tenant has no messages for; every post counted exactly one message', async () => {
    await h.configure(unsubscribed.id, { enabled: true, channelName: 'general', frequency: '2h', topics: TOPICS }, 'tenant-without-plan');
    h.clock.advance(TWO_HOURS);
    const [skipped] = await h.historyWith(unsubscribed.id, 1, (e) => e.state === 'done', 'tenant-without-plan');
    expect(skipped).toMatchObject({ outcome: 'skipped', text: null });
    expect(skipped!.error).toMatch(/plan does not allow it \(no_subscription\)/);
    expect(h.botPosts(unsubscribed.generalChannelId)).toHaveLength(0);

    const posted = (await h.bus.requestJson<{ entries: { outcome: string }[] }>('rpc.scheduler.history.list', { tenantId: 'tenant-proactive', limit: 100 }))
      .entries.filter((entry) => entry.outcome === 'posted');
    expect(posted).toHaveLength(10 + 1 + 3 + 2 + 1 + 1 + 2);
    expect(await h.proactiveMessagesUsed()).toBe(posted.length);
  }, 30_000);
});
