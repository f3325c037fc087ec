import { Bus } from '@steward/bus';
import {
  AnswerOrigin,
  AnswerRequestedSchema,
  Buckets,
  decode,
  discordEventSubject,
  Streams,
  Subjects,
  type AnswerRequested,
} from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { metricsRegistry } from '@steward/telemetry';
import { createTestDatabase, resetJetStream, type TestDatabase } from '@steward/testing';
import { ChannelType, MessageType, PermissionFlagsBits as P } from 'discord-api-types/v10';
import type { RouterConfig } from '../src/config.js';
import { routerService } from '../src/service.js';
import { routerIdle } from './support.js';

const APP = '130000000000000001';
const BOT = '130000000000000002';
const OTHER_BOT = '130000000000000003';
/** all-messages, smart mode, channel context, a staff role, replies in threads; one channel mention-only. */
const SMART_GUILD = '240000000000000001';
/** all-messages with smart mode off. */
const EVERY_GUILD = '240000000000000002';
/** /ask only, with one channel in all-messages mode. */
const ASK_GUILD = '240000000000000003';
const MENTION_ONLY_CHANNEL = '450000000000000099';
/** A category of the smart guild where the bot stays quiet, and a channel in it. */
const QUIET_CATEGORY = '450000000000000097';
const CHANNEL_IN_QUIET_CATEGORY = '450000000000000096';
/** A forum of the smart guild where the bot stays quiet. */
const QUIET_FORUM = '450000000000000095';
const ALL_CHANNEL_IN_ASK_GUILD = '450000000000000098';
/** all-messages in threads, in a guild the directory knows: the bot's role may not open threads in one channel. */
const THREADS_GUILD = '240000000000000004';
const THREADS_OPEN_CHANNEL = '450000000000000094';
const THREADS_CLOSED_CHANNEL = '450000000000000093';
const THREADS_PRIVATE_CHANNEL = '450000000000000092';
const STAFF_ROLE = '560000000000000001';
const ANA = '340000000000000001';
const BEN = '340000000000000002';
const SAM_STAFF = '340000000000000003';
const CONTEXT_SIZE = 5;

const names: Record<string, string> = {
  [ANA]: 'ana',
  [BEN]: 'ben',
  [SAM_STAFF]: 'sam',
  [OTHER_BOT]: 'helper-bot',
};

let messageIds = 620000000000000000n;
let channelIds = 450000000000000000n;
const newChannel = () => String(++channelIds);
const baseTime = Date.parse('2025-05-01T12:00:00Z');

interface Say {
  guildId: string;
  channelId: string;
  authorId: string;
  content: string;
  /** Seconds after the base time. */
  at?: number;
  replyTo?: string;
  mentions?: string[];
  roles?: string[];
}

function messageCreate({
  guildId,
  channelId,
  authorId,
  content,
  at = 0,
  replyTo,
  mentions = [],
  roles = [],
}: Say) {
  const isBot = authorId === OTHER_BOT;
  return {
    id: String(++messageIds),
    type: replyTo ? MessageType.Reply : MessageType.Default,
    channel_id: channelId,
    guild_id: guildId,
    author: { id: authorId, username: names[authorId] ?? 'someone', global_name: null, bot: isBot },
    member: { nick: null, roles, joined_at: '2024-03-01T00:00:00Z', deaf: false, mute: false, flags: 0 },
    content,
    timestamp: new Date(baseTime + at * 1000).toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: mentions.map((id) => ({
      id,
      username: names[id] ?? 'Steward',
      global_name: null,
      bot: id === BOT,
    })),
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    flags: 0,
    ...(replyTo
      ? {
          message_reference: {
            type: 0,
            message_id: '690000000000000001',
            channel_id: channelId,
            guild_id: guildId,
          },
          referenced_message: {
            id: '690000000000000001',
            author: { id: replyTo, username: names[replyTo] ?? 'x' },
            content: '...',
          },
        }
      : {}),
  };
}

describe('router response modes', () => {
  let database: TestDatabase;
  let service: RunningService<RouterConfig>;
  let publisher: Bus;
  let sequence = 0;

  const say = async (input: Say) => {
    const message = messageCreate(input);
    await publisher.publishJson(discordEventSubject(APP, input.guildId, 'MESSAGE_CREATE'), message, {
      msgId: `${APP}:session:${++sequence}`,
    });
    return message;
  };

  async function storedAnswerRequests(): Promise<AnswerRequested[]> {
    const { state } = await publisher.jsm.streams.info(Streams.facts.name);
    const requests: AnswerRequested[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const stored = await publisher.jsm.streams.getMessage(Streams.facts.name, { seq });
      if (stored?.subject === Subjects.answerRequested)
        requests.push(decode(AnswerRequestedSchema, stored.data));
    }
    return requests;
  }

  /** The answer requests for the given messages, once the router has decided all of them. */
  async function requestsFor(messages: Array<{ id: string }>): Promise<Map<string, AnswerRequested>> {
    await routerIdle(publisher);
    const wanted = new Set(messages.map((message) => message.id));
    const requests = await storedAnswerRequests();
    return new Map(requests.filter((r) => wanted.has(r.messageId)).map((r) => [r.messageId, r]));
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const metricJson = await metricsRegistry.getSingleMetric(name)?.get();
    const value = metricJson?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return value?.value ?? 0;
  }

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    publisher = await Bus.connect({ servers: process.env.NATS_URL!, name: 'router-modes-test' });
    await publisher.ensureBuckets([Buckets.configGuilds]);
    const link = (guildId: string, settings: Record<string, unknown>) =>
      publisher.putJson(Buckets.configGuilds.name, guildId, {
        guildId,
        tenantId: 'acme',
        applicationId: APP,
        settings,
      });
    await link(SMART_GUILD, {
      responseMode: 'all',
      channelContext: true,
      replyInThread: true,
      staffRoleIds: [STAFF_ROLE],
      channelOverrides: { [MENTION_ONLY_CHANNEL]: 'mention', [QUIET_CATEGORY]: 'off', [QUIET_FORUM]: 'off' },
    });
    await link(EVERY_GUILD, { responseMode: 'all', smartMode: false });
    await link(ASK_GUILD, { responseMode: 'ask', channelOverrides: { [ALL_CHANNEL_IN_ASK_GUILD]: 'all' } });
    await link(THREADS_GUILD, { responseMode: 'all', smartMode: false, replyInThread: true });

    service = await startService(routerService, {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL: '1',
      ROUTER_CHANNEL_CONTEXT_SIZE: String(CONTEXT_SIZE),
      ROUTER_MEMBER_COOLDOWN_MS: '10000',
      LOG_LEVEL: process.env.ROUTER_TEST_LOG_LEVEL ?? 'silent',
    });
    await publisher.publishJson(
      discordEventSubject(APP, null, 'READY'),
      {
        v: 10,
        user: {
          id: BOT,
          username: 'Steward',
          discriminator: '0',
          global_name: null,
          avatar: null,
          bot: true,
        },
        guilds: [],
        session_id: 'session',
        resume_gateway_url: 'wss://gateway.example',
        shard: [0, 1],
        application: { id: APP, flags: 0 },
      },
      { msgId: 'ready-1' },
    );
    await routerIdle(publisher);
  });

  afterAll(async () => {
    await publisher?.drain();
    await service?.stop();
    await database?.drop();
  });

  it('all + smart: passes questions to triage (in a thread) and drops chatter and member talk without triage', async () => {
    const channelId = newChannel();
    const dropsBefore = await metric('steward_router_smart_mode_total', {
      decision: 'drop',
      reason: 'chatter',
    });
    const inChannel = (authorId: string, content: string, extra: Partial<Say> = {}) =>
      say({ guildId: SMART_GUILD, channelId, authorId, content, ...extra });

    const chatter = [
      await inChannel(ANA, 'good morning everyone!'),
      await inChannel(BEN, 'thanks a lot 🙏'),
      await inChannel(ANA, 'hahaha'),
      await inChannel(BEN, 'спасибо'),
      await inChannel(ANA, `<@${BEN}> did the update fix it for you?`, { mentions: [BEN] }),
      await inChannel(BEN, 'yes, after a restart it worked', { replyTo: ANA }),
    ];
    const question = await inChannel(ANA, 'How do I export my invoices as PDF?');
    const german = await inChannel(BEN, 'Wie kann ich mein Passwort zurücksetzen?');

    const requests = await requestsFor([...chatter, question, german]);
    expect([...requests.keys()].sort()).toEqual([question.id, german.id].sort());
    expect(requests.get(question.id)).toMatchObject({
      origin: AnswerOrigin.ALL_MESSAGES,
      triage: true,
      replyInThread: true,
      question: 'How do I export my invoices as PDF?',
      authorName: 'ana',
    });
    expect(requests.get(german.id)!.question).toBe('Wie kann ich mein Passwort zurücksetzen?');
    expect(await metric('steward_router_smart_mode_total', { decision: 'drop', reason: 'chatter' })).toBe(
      dropsBefore + 4,
    );
  });

  it('channel context: the last messages of the channel from everyone, oldest first, without the question itself', async () => {
    const channelId = newChannel();
    const inChannel = (authorId: string, content: string) =>
      say({ guildId: SMART_GUILD, channelId, authorId, content });
    await inChannel(ANA, 'first message that falls out of the window');
    await inChannel(BEN, 'my order 1234 never arrived');
    await inChannel(OTHER_BOT, 'Reminder: the shop closes at 18:00');
    await inChannel(ANA, 'same here, mine is late too');
    await inChannel(BEN, 'it says shipped since Monday');
    await inChannel(ANA, 'lol');
    const question = await inChannel(SAM_STAFF, 'any fix for the late deliveries?');

    const request = (await requestsFor([question])).get(question.id)!;
    expect(request.channelContext.map((m) => [m.authorName, m.content, m.authorIsBot])).toEqual([
      ['ben', 'my order 1234 never arrived', false],
      ['helper-bot', 'Reminder: the shop closes at 18:00', true],
      ['ana', 'same here, mine is late too', false],
      ['ben', 'it says shipped since Monday', false],
      ['ana', 'lol', false],
    ]);
    expect(request.channelContext).toHaveLength(CONTEXT_SIZE);
  });

  it('staff step-back: a staff reply to a member silences the bot for that member, not for others nor for mentions', async () => {
    const channelId = newChannel();
    const inChannel = (authorId: string, content: string, extra: Partial<Say> = {}) =>
      say({ guildId: SMART_GUILD, channelId, authorId, content, ...extra });
    const first = await inChannel(ANA, 'Why was my card charged twice?', { at: 0 });
    const staffReply = await inChannel(SAM_STAFF, 'Looking into it, can you send the order number?', {
      at: 30,
      replyTo: ANA,
      mentions: [ANA],
      roles: [STAFF_ROLE],
    });
    const followUp = await inChannel(ANA, 'Where do I find the order number?', { at: 60 });
    const mention = await inChannel(ANA, `<@${BOT}> where is the order number shown?`, {
      at: 70,
      mentions: [BOT],
    });
    const otherMember = await inChannel(BEN, 'How do I change my shipping address?', { at: 80 });
    const muchLater = await inChannel(ANA, 'Can I get a refund for the double charge?', { at: 30 + 6 * 60 });

    const requests = await requestsFor([first, staffReply, followUp, mention, otherMember, muchLater]);
    expect(requests.has(first.id)).toBe(true);
    expect(requests.has(staffReply.id)).toBe(false);
    expect(requests.has(followUp.id)).toBe(false);
    expect(requests.get(mention.id)).toMatchObject({
      origin: AnswerOrigin.MENTION,
      triage: false,
      replyInThread: false,
    });
    expect(requests.has(otherMember.id)).toBe(true);
    expect(requests.has(muchLater.id)).toBe(true);
  });

  it('all + smart off: answers every member message once, never bots, and holds the per-member cooldown', async () => {
    const channelId = newChannel();
    const inChannel = (authorId: string, content: string, at: number) =>
      say({ guildId: EVERY_GUILD, channelId, authorId, content, at });
    const anaFirst = await inChannel(ANA, 'lol', 0);
    const anaTooSoon = await inChannel(ANA, 'how do I reset my password?', 4);
    const ben = await inChannel(BEN, 'thanks!', 5);
    const bot = await inChannel(OTHER_BOT, 'I answer everything too!', 6);
    const anaAfterCooldown = await inChannel(ANA, 'still there?', 11);

    const requests = await requestsFor([anaFirst, anaTooSoon, ben, bot, anaAfterCooldown]);
    expect([...requests.keys()].sort()).toEqual([anaFirst.id, ben.id, anaAfterCooldown.id].sort());
    expect(requests.get(anaFirst.id)).toMatchObject({
      origin: AnswerOrigin.ALL_MESSAGES,
      triage: false,
      question: 'lol',
    });
    // Nothing kept in context: channel context is off in this guild.
    expect(requests.get(ben.id)!.channelContext).toEqual([]);
  });

  it('a channel override beats the guild mode in both directions', async () => {
    const plainInAskGuild = await say({
      guildId: ASK_GUILD,
      channelId: newChannel(),
      authorId: ANA,
      content: 'how do refunds work?',
    });
    const mentionInAskGuild = await say({
      guildId: ASK_GUILD,
      channelId: newChannel(),
      authorId: ANA,
      content: `<@${BOT}> how do refunds work?`,
      mentions: [BOT],
    });
    const allChannelInAskGuild = await say({
      guildId: ASK_GUILD,
      channelId: ALL_CHANNEL_IN_ASK_GUILD,
      authorId: ANA,
      content: 'how do refunds work?',
    });
    const plainInMentionChannel = await say({
      guildId: SMART_GUILD,
      channelId: MENTION_ONLY_CHANNEL,
      authorId: BEN,
      content: 'how do refunds work?',
    });
    const mentionInMentionChannel = await say({
      guildId: SMART_GUILD,
      channelId: MENTION_ONLY_CHANNEL,
      authorId: BEN,
      content: `<@${BOT}> how do refunds work?`,
      mentions: [BOT],
    });

    const requests = await requestsFor([
      plainInAskGuild,
      mentionInAskGuild,
      allChannelInAskGuild,
      plainInMentionChannel,
      mentionInMentionChannel,
    ]);
    expect([...requests.keys()].sort()).toEqual([allChannelInAskGuild.id, mentionInMentionChannel.id].sort());
    expect(requests.get(allChannelInAskGuild.id)).toMatchObject({
      origin: AnswerOrigin.ALL_MESSAGES,
      triage: true,
    });
    expect(requests.get(mentionInMentionChannel.id)).toMatchObject({ origin: AnswerOrigin.MENTION });
  });

  it("a thread keeps its channel's mode and a channel its category's; an answer in a thread is not asked for another thread", async () => {
    const smartChannel = newChannel();
    const threadInSmartChannel = newChannel();
    const threadInAllChannel = newChannel();
    const channelCreate = (guildId: string, id: string, type: ChannelType, parentId: string | null) =>
      publisher.publishJson(
        discordEventSubject(
          APP,
          guildId,
          type === ChannelType.PublicThread ? 'THREAD_CREATE' : 'CHANNEL_CREATE',
        ),
        {
          id,
          type,
          guild_id: guildId,
          name: `channel-${id.slice(-3)}`,
          position: 0,
          parent_id: parentId,
          permission_overwrites: [],
        },
        { msgId: `${APP}:session:${++sequence}` },
      );
    await channelCreate(SMART_GUILD, QUIET_CATEGORY, ChannelType.GuildCategory, null);
    await channelCreate(SMART_GUILD, CHANNEL_IN_QUIET_CATEGORY, ChannelType.GuildText, QUIET_CATEGORY);
    await channelCreate(SMART_GUILD, smartChannel, ChannelType.GuildText, null);
    await channelCreate(SMART_GUILD, QUIET_FORUM, ChannelType.GuildForum, null);
    await channelCreate(SMART_GUILD, threadInSmartChannel, ChannelType.PublicThread, smartChannel);
    await channelCreate(ASK_GUILD, threadInAllChannel, ChannelType.PublicThread, ALL_CHANNEL_IN_ASK_GUILD);
    await routerIdle(publisher);

    const inQuietCategory = await say({
      guildId: SMART_GUILD,
      channelId: CHANNEL_IN_QUIET_CATEGORY,
      authorId: ANA,
      content: 'How do I export my invoices as PDF?',
    });
    const inThreadOfAllChannel = await say({
      guildId: ASK_GUILD,
      channelId: threadInAllChannel,
      authorId: ANA,
      content: 'how do refunds work?',
    });
    const inSmartThread = await say({
      guildId: SMART_GUILD,
      channelId: threadInSmartChannel,
      authorId: BEN,
      content: 'How do I change the billing address?',
    });

    /** The first message of a new forum post: its id is the post's. */
    const startForumPost = async (authorId: string, content: string) => {
      const message = messageCreate({ guildId: SMART_GUILD, channelId: '0', authorId, content });
      message.channel_id = message.id;
      await publisher.publishJson(discordEventSubject(APP, SMART_GUILD, 'MESSAGE_CREATE'), message, {
        msgId: `${APP}:session:${++sequence}`,
      });
      return message;
    };
    // A post the router never hears of: still recognised as a post.
    const forumPost = await startForumPost(ANA, 'Why does my export fail?');
    // A post in the quiet forum whose first message comes before its THREAD_CREATE.
    const quietPost = await startForumPost(BEN, 'Is the API down?');
    await channelCreate(SMART_GUILD, quietPost.id, ChannelType.PublicThread, QUIET_FORUM);

    const requests = await requestsFor([
      inQuietCategory,
      inThreadOfAllChannel,
      inSmartThread,
      forumPost,
      quietPost,
    ]);
    expect([...requests.keys()].sort()).toEqual(
      [inThreadOfAllChannel.id, inSmartThread.id, forumPost.id].sort(),
    );
    expect(requests.get(forumPost.id)).toMatchObject({ replyInThread: false });
    expect(requests.get(inThreadOfAllChannel.id)).toMatchObject({ origin: AnswerOrigin.ALL_MESSAGES });
    // Discord starts no thread from a message in a thread: the answer goes in the thread itself.
    expect(requests.get(inSmartThread.id)).toMatchObject({
      origin: AnswerOrigin.ALL_MESSAGES,
      triage: true,
      replyInThread: false,
    });
  });

  it('answers in the channel where the bot may not open a thread, in a thread where it may', async () => {
    const textChannel = (id: string, name: string, overwrites: unknown[]) => ({
      id,
      type: ChannelType.GuildText,
      name,
      position: 0,
      parent_id: null,
      permission_overwrites: overwrites,
    });
    const everyone =
      P.ViewChannel | P.SendMessages | P.ReadMessageHistory | P.CreatePublicThreads | P.SendMessagesInThreads;
    // The bot was invited without a role of its own: only overwrites for its user apply to it.
    await publisher.publishJson(
      discordEventSubject(APP, THREADS_GUILD, 'GUILD_CREATE'),
      {
        id: THREADS_GUILD,
        name: 'Threads',
        owner_id: SAM_STAFF,
        unavailable: false,
        channels: [
          textChannel(THREADS_OPEN_CHANNEL, 'help', []),
          // The server's admin took Create Public Threads from the bot here.
          textChannel(THREADS_CLOSED_CHANNEL, 'announcements-chat', [
            { id: BOT, type: 1, allow: '0', deny: String(P.CreatePublicThreads) },
          ]),
          // A private channel opened to the bot alone.
          textChannel(THREADS_PRIVATE_CHANNEL, 'billing', [
            { id: THREADS_GUILD, type: 0, allow: '0', deny: String(P.ViewChannel) },
            { id: BOT, type: 1, allow: String(P.ViewChannel), deny: '0' },
          ]),
        ],
        threads: [],
        roles: [
          {
            id: THREADS_GUILD,
            name: '@everyone',
            position: 0,
            permissions: String(everyone),
            managed: false,
          },
        ],
        members: [{ user: { id: BOT, username: 'Steward', bot: true }, roles: [] }],
      },
      { msgId: `${APP}:session:${++sequence}` },
    );
    await routerIdle(publisher);

    const ask = (channelId: string, authorId: string, content: string) =>
      say({ guildId: THREADS_GUILD, channelId, authorId, content });
    const inOpen = await ask(THREADS_OPEN_CHANNEL, ANA, 'How do I export my invoices?');
    const inClosed = await ask(THREADS_CLOSED_CHANNEL, BEN, 'Where do I change my plan?');
    const inPrivate = await ask(THREADS_PRIVATE_CHANNEL, ANA, 'Why was I charged twice?');

    const requests = await requestsFor([inOpen, inClosed, inPrivate]);
    const asked = (message: { id: string }) => requests.get(message.id);
    expect(asked(inOpen)).toMatchObject({ origin: AnswerOrigin.ALL_MESSAGES, replyInThread: true });
    expect(asked(inPrivate)).toMatchObject({ origin: AnswerOrigin.ALL_MESSAGES, replyInThread: true });
    // Discord would refuse the thread: the answer, and the conversation, stay in the channel.
    expect(asked(inClosed)).toMatchObject({ origin: AnswerOrigin.ALL_MESSAGES, replyInThread: false });
  });
});
