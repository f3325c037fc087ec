/**
 * Threads and forum posts through the whole path: the sandbox's GUILD_CREATE and THREAD_CREATE
 * reach the router's directory through the real gateway, and moderation learns a thread's
 * parent (for exempt channels and for the bot's permissions) from that directory.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Permission, type ApplicationCredentials, type DiscordSandbox, type GuildSnapshot } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { ChannelType } from 'discord-api-types/v10';
import { INVITE, ModerationHarness, type ScriptedVerdict } from './harness.js';

const RULES = 'No invite links to other servers.\nBe kind.';
const INVITE_TEXT = 'join my server discord.gg/raidhub for free stuff';
/** A mild violation: worth a warning. */
const RUDE: ScriptedVerdict = { ...INVITE, rule: 'Be kind.', severity: 'low', recommended_action: 'warn', reason: 'A mild insult.' };

interface Places {
  guild: GuildSnapshot;
  /** Exempt text channel, exempt forum, and a text channel whose overwrites deny the bot Manage Messages. */
  exempt: string;
  forum: string;
  noManage: string;
  /** A text channel in an exempt category. */
  inExemptCategory: string;
  /** A text channel whose overwrites deny the bot Send Messages in Threads. */
  noThreadReplies: string;
}

describe('moderation in threads and forum posts', () => {
  const h = new ModerationHarness();
  let member: string;
  let memberB: string;
  /** Threads that exist when the gateway connects: GUILD_CREATE lists them. */
  let atConnect: Places;
  let exemptThread: string;
  let forumPost: string;
  let generalThread: string;
  let noManageThread: string;
  /** A guild whose threads are started while moderation runs (THREAD_CREATE). */
  let live: Places;
  const exemptCategories = new Map<string, string>();

  function places(discord: DiscordSandbox, app: ApplicationCredentials, name: string): Places {
    const guild = discord.createGuild({ name, applicationIds: [app.id] });
    const botRole = guild.botRoleIds[app.botUserId]!;
    const category = discord.createChannel({ guildId: guild.id, name: 'Staff only', type: ChannelType.GuildCategory }).id;
    exemptCategories.set(guild.id, category);
    return {
      guild,
      inExemptCategory: discord.createChannel({ guildId: guild.id, name: 'staff-chat', parentId: category }).id,
      noThreadReplies: discord.createChannel({
        guildId: guild.id,
        name: 'no-thread-replies',
        permissionOverwrites: [{ id: botRole, type: 0, deny: Permission.SendMessagesInThreads }],
      }).id,
      exempt: discord.createChannel({ guildId: guild.id, name: 'announcements' }).id,
      forum: discord.createChannel({ guildId: guild.id, name: 'showcase', type: ChannelType.GuildForum }).id,
      noManage: discord.createChannel({
        guildId: guild.id,
        name: 'no-manage',
        permissionOverwrites: [{ id: botRole, type: 0, deny: Permission.ManageMessages }],
      }).id,
    };
  }

  const threadFrom = (channelId: string, author: string, name: string) => {
    const starter = h.discord.postMessage({ channelId, authorId: author, content: `${name}, discuss here` });
    return { starter: starter.id, thread: h.discord.startThread({ messageId: starter.id, authorId: author, name }).id };
  };

  const directoryChannels = async (guildId: string) =>
    (await h.bus.requestJson<{ channels: { id: string; parentId: string | null }[] }>(
      'rpc.router.directory.guild',
      { guildId },
      { timeoutMs: 2_000 },
    )).channels;

  const untilDirectoryHas = (guildId: string, threadIds: string[]) =>
    waitFor(
      async () => {
        const channels = await directoryChannels(guildId);
        return threadIds.every((id) => channels.some((channel) => channel.id === id));
      },
      { timeoutMs: 10_000, message: `the router's directory to list threads ${threadIds.join(', ')}` },
    );

  const post = (channelId: string, author = member, content = INVITE_TEXT) =>
    h.discord.postMessage({ channelId, authorId: author, content });

  beforeAll(async () => {
    await h.start((discord, app) => {
      atConnect = places(discord, app, 'Threads at connect');
      member = discord.createMember({ guildId: atConnect.guild.id, username: 'mallory' }).user.id;
      // Started before the gateway connects, so they arrive in GUILD_CREATE's `threads`.
      exemptThread = threadFrom(atConnect.exempt, member, 'release notes').thread;
      forumPost = discord.createForumPost({ channelId: atConnect.forum, authorId: member, name: 'my build', content: 'look at this' }).thread.id;
      generalThread = threadFrom(atConnect.guild.generalChannelId, member, 'chatter').thread;
      noManageThread = threadFrom(atConnect.noManage, member, 'locked down').thread;

      live = places(discord, app, 'Threads while running');
      memberB = discord.createMember({ guildId: live.guild.id, username: 'trudy' }).user.id;
    });
    // The threads come in the same GUILD_CREATE as the guild.
    for (const { guild } of [atConnect, live]) await h.directoryReady(guild.id);
    h.verdicts.set('discord.gg/', INVITE);
    h.verdicts.set('you all', RUDE);
    for (const { guild, exempt, forum } of [atConnect, live]) {
      const exemptChannelIds = [exempt, forum, exemptCategories.get(guild.id)!];
      await h.configure(guild.id, { rules: RULES, exemptChannelIds, actions: { warn: true, delete: true } });
    }
  }, 60_000);

  afterAll(() => h.stop(), 30_000);

  it('leaves a thread and a forum post of an exempt channel alone, and acts in a thread of another channel', async () => {
    const started = Date.now();
    const inExemptThread = post(exemptThread);
    const inForumPost = post(forumPost);
    const inGeneralThread = post(generalThread);

    expect((await h.whenChecked(inExemptThread.id)).result).toBe('skipped_exempt_channel');
    expect((await h.whenChecked(inForumPost.id)).result).toBe('skipped_exempt_channel');
    expect(await h.entryFor(inGeneralThread.id)).toMatchObject({ channelId: generalThread, action: 'delete', outcome: 'done' });

    expect(h.exists(exemptThread, inExemptThread.id)).toBe(true);
    expect(h.exists(forumPost, inForumPost.id)).toBe(true);
    expect(h.exists(generalThread, inGeneralThread.id)).toBe(false);
    expect(h.moderationCalls(started).map((call) => call.path)).toEqual([
      expect.stringContaining(`/channels/${generalThread}/messages/${inGeneralThread.id}`),
    ]);
  });

  it("checks the bot's permissions in a thread against its parent channel's overwrites", async () => {
    const started = Date.now();
    const message = post(noManageThread);

    expect(await h.entryFor(message.id)).toMatchObject({
      channelId: noManageThread,
      action: 'delete',
      outcome: 'blocked',
      blockReason: 'missing_permission',
      detail: 'missing Manage Messages permission',
    });
    expect(h.exists(noManageThread, message.id)).toBe(true);
    expect(h.moderationCalls(started)).toEqual([]);
  });

  it('leaves a thread started in an exempt channel while running alone (THREAD_CREATE)', async () => {
    // Moderation has just read the guild's directory (it keeps it a while), before the thread exists.
    const earlier = post(live.guild.generalChannelId, memberB, 'good morning everyone');
    expect((await h.whenChecked(earlier.id)).result).toBe('no_action');
    // The starter message sits in the exempt channel itself: skipped before the directory is asked.
    const { starter, thread } = threadFrom(live.exempt, memberB, 'launch day');
    expect((await h.whenChecked(starter)).result).toBe('skipped_exempt_channel');
    await untilDirectoryHas(live.guild.id, [thread]);
    expect((await directoryChannels(live.guild.id)).find((channel) => channel.id === thread)).toMatchObject({ parentId: live.exempt });

    const started = Date.now();
    const message = post(thread, memberB);
    expect((await h.whenChecked(message.id)).result).toBe('skipped_exempt_channel');
    expect(h.exists(thread, message.id)).toBe(true);
    expect(h.moderationCalls(started)).toEqual([]);
  });

  it('leaves a channel of an exempt category alone, and the threads started in it', async () => {
    const { starter, thread } = threadFrom(live.inExemptCategory, memberB, 'rota');
    expect((await h.whenChecked(starter)).result).toBe('skipped_exempt_channel');
    await untilDirectoryHas(live.guild.id, [thread]);

    const started = Date.now();
    const message = post(thread, memberB);
    expect((await h.whenChecked(message.id)).result).toBe('skipped_exempt_channel');
    expect(h.exists(thread, message.id)).toBe(true);
    expect(h.moderationCalls(started)).toEqual([]);
  });

  it('does not warn in a thread of a channel where the bot may not send messages in threads', async () => {
    const { thread } = threadFrom(live.noThreadReplies, memberB, 'complaints');
    await untilDirectoryHas(live.guild.id, [thread]);
    const started = Date.now();
    const message = post(thread, memberB, 'you all are clowns');
    expect(await h.entryFor(message.id)).toMatchObject({
      channelId: thread,
      action: 'warn',
      outcome: 'blocked',
      blockReason: 'missing_permission',
      detail: 'missing Send Messages in Threads permission',
    });
    expect(h.moderationCalls(started)).toEqual([]);
  });
  it("leaves a post in an exempt forum alone though its first message overtakes the post's THREAD_CREATE", async () => {
    /** The gateway's stored dispatch of this type about `channelId`. */
    const stored = (type: string, channelId: string) =>
      waitFor(async () => {
        const { state } = await h.bus.jsm.streams.info('DISCORD_EVT');
        for (let seq = state.last_seq; seq >= Math.max(state.first_seq, state.last_seq - 50); seq--) {
          const event = await h.bus.jsm.streams.getMessage('DISCORD_EVT', { seq });
          const payload = event?.json<{ id: string; channel_id?: string }>();
          if (event?.subject.endsWith(`.${type}`) && (payload?.channel_id ?? payload?.id) === channelId) return event;
        }
        return undefined;
      });
    // A post made the ordinary way, for the shape of both dispatches.
    const { thread } = h.discord.createForumPost({ channelId: live.forum, authorId: memberB, name: 'first', content: 'hello' });
    await untilDirectoryHas(live.guild.id, [thread.id]);
    const threadCreate = await stored('THREAD_CREATE', thread.id);
    const messageCreate = await stored('MESSAGE_CREATE', thread.id);
    // Moderation holds the guild's directory from before the next post.
    await h.whenChecked(post(live.guild.generalChannelId, memberB, 'hello everyone').id);

    // The next post's first message arrives first; the router stores the post a moment later.
    const postId = String(BigInt(thread.id) + 1_000n);
    const message = { ...messageCreate.json<Record<string, unknown>>(), id: postId, channel_id: postId, content: INVITE_TEXT };
    await h.bus.publish(messageCreate.subject, JSON.stringify(message), { msgId: `overtaking:${postId}` });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const postCreated = { ...threadCreate.json<Record<string, unknown>>(), id: postId, name: 'second' };
    await h.bus.publish(threadCreate.subject, JSON.stringify(postCreated), { msgId: `overtaken:${postId}` });

    expect(await h.whenChecked(postId)).toMatchObject({ result: 'skipped_exempt_channel' });
  });
});
