import { Bus, RpcError, type DeadLetterRecord } from '@steward/bus';
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
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { ChannelType, MessageType } from 'discord-api-types/v10';
import type { RouterConfig } from '../src/config.js';
import { routerService } from '../src/service.js';
import { routerIdle } from './support.js';
import { DISPATCH_CONSUMER } from '../src/dispatch/dispatch.controller.js';

// A bot whose user id differs from its application id, so READY must really be learnt.
const APP = '110000000000000001';
const BOT = '110000000000000002';
const GUILD = '220000000000000001';
const ACME_GUILD = '220000000000000002';
const LATE_GUILD = '220000000000000003';
const OWNER = '330000000000000001';
const MEMBER = '330000000000000002';
const OTHER_BOT = '330000000000000003';
const GENERAL = '440000000000000001';
const SUPPORT = '440000000000000002';
const BOT_ROLE = '550000000000000001';
const MOD_ROLE = '550000000000000002';
const LOCAL_TENANT = 'local-tenant';

let sequence = 0;
let messageIds = 600000000000000000n;
const nextMessageId = () => String(++messageIds);

function guildCreate(guildId: string) {
  return {
    id: guildId,
    name: 'Acme Community',
    owner_id: OWNER,
    unavailable: false,
    preferred_locale: 'en-US',
    member_count: 3,
    channels: [
      {
        id: GENERAL,
        type: ChannelType.GuildText,
        guild_id: guildId,
        name: 'general',
        position: 0,
        parent_id: null,
        permission_overwrites: [],
      },
      {
        id: SUPPORT,
        type: ChannelType.GuildText,
        guild_id: guildId,
        name: 'support',
        position: 1,
        parent_id: null,
        permission_overwrites: [{ id: guildId, type: 0, allow: '0', deny: '2048' }],
      },
    ],
    roles: [
      {
        id: guildId,
        name: '@everyone',
        position: 0,
        permissions: '1071698660929',
        managed: false,
        color: 0,
        hoist: false,
        mentionable: false,
        flags: 0,
      },
      {
        id: BOT_ROLE,
        name: 'Steward',
        position: 2,
        permissions: '8',
        managed: true,
        tags: { bot_id: BOT },
        color: 0,
        hoist: false,
        mentionable: true,
        flags: 0,
      },
      {
        id: MOD_ROLE,
        name: 'Moderators',
        position: 5,
        permissions: '1099511627776',
        managed: false,
        color: 0,
        hoist: true,
        mentionable: true,
        flags: 0,
      },
    ],
    members: [
      {
        user: { id: OWNER, username: 'owner', global_name: null, bot: false },
        roles: [],
        nick: null,
        joined_at: '2024-01-01T00:00:00Z',
      },
      {
        user: { id: BOT, username: 'Steward', global_name: null, bot: true },
        roles: [BOT_ROLE],
        nick: null,
        joined_at: '2024-01-02T00:00:00Z',
      },
    ],
  };
}

function messageCreate(overrides: Record<string, unknown> = {}) {
  return {
    id: nextMessageId(),
    type: MessageType.Default,
    channel_id: SUPPORT,
    guild_id: GUILD,
    author: { id: MEMBER, username: 'ana', global_name: 'Ana', discriminator: '0', avatar: null, bot: false },
    member: {
      nick: 'Ana from Berlin',
      roles: [],
      joined_at: '2024-03-01T00:00:00Z',
      deaf: false,
      mute: false,
      flags: 0,
    },
    content: `<@${BOT}> how do I reset my password?`,
    timestamp: '2025-05-01T12:00:00.000000+00:00',
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [
      { id: BOT, username: 'Steward', global_name: null, discriminator: '0', avatar: null, bot: true },
    ],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    flags: 0,
    ...overrides,
  };
}

describe('router', () => {
  let database: TestDatabase;
  let service: RunningService<RouterConfig>;
  let publisher: Bus;

  /** Publishes a dispatch as the gateway does: raw JSON on its subject, with a Nats-Msg-Id. */
  const dispatch = (
    guildId: string | null,
    type: string,
    data: unknown,
    msgId = `${APP}:session:${++sequence}`,
  ) => publisher.publishJson(discordEventSubject(APP, guildId, type), data, { msgId });

  /** Every AnswerRequested stored in the STEWARD stream (the stream de-duplicates by request id). */
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

  const requestFor = (messageId: string) =>
    waitFor(async () => (await storedAnswerRequests()).find((request) => request.messageId === messageId), {
      timeoutMs: 5_000,
      message: `an answer request for message ${messageId}`,
    });

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    publisher = await Bus.connect({ servers: process.env.NATS_URL!, name: 'router-test' });
    // A tenant linked ACME_GUILD before the router started.
    await publisher.ensureBuckets([Buckets.configGuilds]);
    await publisher.putJson(Buckets.configGuilds.name, ACME_GUILD, {
      guildId: ACME_GUILD,
      tenantId: 'acme',
      applicationId: APP,
    });

    service = await startService(routerService, {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL_TENANT_ID: LOCAL_TENANT,
      LOG_LEVEL: process.env.ROUTER_TEST_LOG_LEVEL ?? 'silent',
    });
    await dispatch(null, 'READY', {
      v: 10,
      user: { id: BOT, username: 'Steward', discriminator: '0', global_name: null, avatar: null, bot: true },
      guilds: [{ id: GUILD, unavailable: true }],
      session_id: 'session',
      resume_gateway_url: 'wss://gateway.example',
      shard: [0, 1],
      application: { id: APP, flags: 0 },
    });
    await dispatch(GUILD, 'GUILD_CREATE', guildCreate(GUILD));
  });

  afterAll(async () => {
    await publisher?.drain();
    await service?.stop();
    await database?.drop();
  });

  it('asks for an answer when the bot is mentioned, with the mention removed from the question', async () => {
    const message = messageCreate();
    await dispatch(GUILD, 'MESSAGE_CREATE', message);

    const request = await requestFor(message.id);
    expect(request).toMatchObject({
      requestId: `msg:${message.id}`,
      tenantId: LOCAL_TENANT,
      applicationId: APP,
      guildId: GUILD,
      channelId: SUPPORT,
      messageId: message.id,
      authorId: MEMBER,
      authorName: 'Ana from Berlin',
      question: 'how do I reset my password?',
      origin: AnswerOrigin.MENTION,
      conversationId: `${GUILD}:${SUPPORT}:${MEMBER}`,
      receivedAtMs: BigInt(Date.parse('2025-05-01T12:00:00Z')),
    });
  });

  it('asks once when the same MESSAGE_CREATE is delivered again', async () => {
    const message = messageCreate({ content: `<@!${BOT}> where is my order?` });
    await dispatch(GUILD, 'MESSAGE_CREATE', message, 'first-delivery');
    await dispatch(GUILD, 'MESSAGE_CREATE', message, 'replayed-delivery');
    await requestFor(message.id);
    await routerIdle(publisher);

    const requests = (await storedAnswerRequests()).filter((request) => request.messageId === message.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.question).toBe('where is my order?');
  });

  /** A member's reply to the bot's message `answerId` (an answer of the bot's, in the support channel). */
  const replyToBot = (content: string, answerId: string) =>
    messageCreate({
      type: MessageType.Reply,
      content,
      mentions: [],
      message_reference: { type: 0, message_id: answerId, channel_id: SUPPORT, guild_id: GUILD },
      referenced_message: {
        id: answerId,
        author: { id: BOT, username: 'Steward', bot: true },
        content: 'Use the reset link.',
      },
    });

  it("answers a mention of the bot's managed role and a reply to the bot's message", async () => {
    const roleMention = messageCreate({
      content: `<@&${BOT_ROLE}> refunds?`,
      mentions: [],
      mention_roles: [BOT_ROLE],
    });
    const reply = replyToBot('and if I no longer have that email?', '690000000000000001');
    await dispatch(GUILD, 'MESSAGE_CREATE', roleMention);
    await dispatch(GUILD, 'MESSAGE_CREATE', reply);

    expect((await requestFor(roleMention.id)).question).toBe('refunds?');
    expect((await requestFor(reply.id)).question).toBe('and if I no longer have that email?');
  });

  it('invites a mention without a question to ask, and leaves a reply that only thanks the bot', async () => {
    const bare = messageCreate({ content: `<@${BOT}>` });
    const greeting = messageCreate({ content: `<@${BOT}> hello 👋` });
    const thanks = replyToBot('thanks a lot!', '690000000000000002');
    for (const message of [bare, greeting, thanks]) await dispatch(GUILD, 'MESSAGE_CREATE', message);
    // An empty question: the answer service invites the member to ask, and spends nothing.
    expect(await requestFor(bare.id)).toMatchObject({ question: '', origin: AnswerOrigin.MENTION });
    expect(await requestFor(greeting.id)).toMatchObject({ question: '' });
    await routerIdle(publisher);
    expect((await storedAnswerRequests()).filter((request) => request.messageId === thanks.id)).toEqual([]);
  });

  it('ignores messages without a mention, from bots, from webhooks and its own', async () => {
    const before = (await storedAnswerRequests()).length;
    const ignored = [
      messageCreate({ content: 'does anyone know how to reset a password?', mentions: [] }),
      messageCreate({ content: '@everyone look', mentions: [], mention_everyone: true }),
      messageCreate({ author: { id: OTHER_BOT, username: 'otherbot', bot: true } }),
      messageCreate({
        webhook_id: '770000000000000001',
        author: { id: '770000000000000001', username: 'Hook', bot: true },
      }),
      messageCreate({ author: { id: BOT, username: 'Steward', bot: true } }),
    ];
    for (const message of ignored) await dispatch(GUILD, 'MESSAGE_CREATE', message);
    await routerIdle(publisher);
    expect(await storedAnswerRequests()).toHaveLength(before);
  });

  it('gives a guild linked in KV config-guilds to its tenant, including links made while running', async () => {
    const acmeMessage = messageCreate({ guild_id: ACME_GUILD });
    await dispatch(ACME_GUILD, 'MESSAGE_CREATE', acmeMessage);
    expect((await requestFor(acmeMessage.id)).tenantId).toBe('acme');

    await publisher.putJson(Buckets.configGuilds.name, LATE_GUILD, {
      guildId: LATE_GUILD,
      tenantId: 'beta',
      applicationId: APP,
    });
    // The link reaches the router asynchronously: ask until a message is routed to the new tenant.
    await waitFor(
      async () => {
        const message = messageCreate({ guild_id: LATE_GUILD });
        await dispatch(LATE_GUILD, 'MESSAGE_CREATE', message);
        return (await requestFor(message.id)).tenantId === 'beta';
      },
      {
        timeoutMs: 5_000,
        intervalMs: 100,
        message: 'a message of the newly linked guild to reach tenant beta',
      },
    );
  });

  it('serves the guild directory and keeps it up to date', async () => {
    const guild = await publisher.requestJson<Record<string, unknown>>('rpc.router.directory.guild', {
      guildId: GUILD,
    });
    expect(guild).toMatchObject({
      guild: { id: GUILD, name: 'Acme Community', ownerId: OWNER, applicationId: APP },
      ownerId: OWNER,
      botRoleIds: [BOT_ROLE],
      botUserId: BOT,
      botTopRolePosition: 2,
      channels: [
        {
          id: GENERAL,
          name: 'general',
          type: ChannelType.GuildText,
          parentId: null,
          position: 0,
          permissionOverwrites: [],
        },
        {
          id: SUPPORT,
          name: 'support',
          permissionOverwrites: [{ id: GUILD, type: 0, allow: '0', deny: '2048' }],
        },
      ],
      roles: [
        { id: MOD_ROLE, name: 'Moderators', position: 5, managed: false, botId: null },
        { id: BOT_ROLE, name: 'Steward', position: 2, permissions: '8', managed: true, botId: BOT },
        { id: GUILD, name: '@everyone', position: 0 },
      ],
    });

    await dispatch(GUILD, 'CHANNEL_UPDATE', { ...guildCreate(GUILD).channels[1], name: 'help-desk' });
    await dispatch(GUILD, 'GUILD_MEMBER_UPDATE', {
      guild_id: GUILD,
      user: { id: BOT, username: 'Steward', bot: true },
      roles: [BOT_ROLE, MOD_ROLE],
      joined_at: null,
    });
    await routerIdle(publisher);

    expect(
      await publisher.requestJson('rpc.router.directory.channel-by-name', {
        guildId: GUILD,
        name: '#Help-Desk',
      }),
    ).toEqual({
      channel: expect.objectContaining({ id: SUPPORT, name: 'help-desk' }),
    });
    expect(
      await publisher.requestJson('rpc.router.directory.channel-by-name', {
        guildId: GUILD,
        name: 'support',
      }),
    ).toEqual({
      channel: null,
    });
    expect(await publisher.requestJson('rpc.router.directory.guild', { guildId: GUILD })).toMatchObject({
      botRoleIds: [BOT_ROLE, MOD_ROLE],
      botTopRolePosition: 5,
    });
  });

  it('forgets a guild the bot left, and says so clearly', async () => {
    await dispatch(LATE_GUILD, 'GUILD_CREATE', { ...guildCreate(LATE_GUILD), channels: [], name: 'Late' });
    await routerIdle(publisher);
    expect(await publisher.requestJson('rpc.router.directory.guild', { guildId: LATE_GUILD })).toMatchObject({
      guild: { name: 'Late' },
    });

    await dispatch(LATE_GUILD, 'GUILD_DELETE', { id: LATE_GUILD });
    await routerIdle(publisher);
    await expect(
      publisher.requestJson('rpc.router.directory.guild', { guildId: LATE_GUILD }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining(LATE_GUILD),
    });
    await expect(publisher.requestJson('rpc.router.directory.guild', { guildId: 'acme' })).rejects.toThrow(
      RpcError,
    );
  });

  /** The router's latest dead-letter record, once it is about a dispatch of this type to GUILD. */
  const deadLetterOf = (type: string) =>
    waitFor(
      async () => {
        const stored = await publisher.jsm.streams
          .getMessage('DEAD_LETTER', {
            last_by_subj: `dead.${Streams.discordEvents.name}.${DISPATCH_CONSUMER}`,
          })
          .catch(() => null);
        const record = stored?.json<DeadLetterRecord>();
        return record?.subject === discordEventSubject(APP, GUILD, type) ? record : undefined;
      },
      { timeoutMs: 5_000, message: `a dead-letter record of the ${type}` },
    );

  it('dead-letters a malformed MESSAGE_CREATE and keeps answering', async () => {
    const malformed = { id: nextMessageId(), channel_id: SUPPORT, content: 'no author, no mentions' };
    await dispatch(GUILD, 'MESSAGE_CREATE', malformed);

    const record = await deadLetterOf('MESSAGE_CREATE');
    expect(record).toMatchObject({ reason: 'permanent' });
    expect(record.error.message).toMatch(/malformed MESSAGE_CREATE dispatch: .*author/);

    const next = messageCreate();
    await dispatch(GUILD, 'MESSAGE_CREATE', next);
    await requestFor(next.id);
  });

  it('dead-letters a channel update whose permission overwrite is not a bit set, and keeps the channel as it was', async () => {
    const channel = guildCreate(GUILD).channels[1]!;
    await dispatch(GUILD, 'CHANNEL_UPDATE', {
      ...channel,
      name: 'broken-overwrites',
      permission_overwrites: [{ id: GUILD, type: 0, allow: 'x', deny: '2048' }],
    });

    const record = await deadLetterOf('CHANNEL_UPDATE');
    expect(record.error.message).toMatch(/permission bit set/);
    const renamed = await publisher.requestJson<{ channel: unknown }>(
      'rpc.router.directory.channel-by-name',
      {
        guildId: GUILD,
        name: 'broken-overwrites',
      },
    );
    expect(renamed.channel).toBeNull();
  });
});
