/**
 * Human takeover in the router: no answer is asked for a conversation with a key in KV
 * `takeover`, and a staff member's reply to a member in Discord puts that key.
 */
import { Bus } from '@steward/bus';
import {
  AnswerRequestedSchema,
  Buckets,
  decode,
  discordEventSubject,
  Streams,
  Subjects,
  takeoverKey,
} from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { MessageType } from 'discord-api-types/v10';
import type { RouterConfig } from '../src/config.js';
import { routerService } from '../src/service.js';
import { TakeoverState } from '../src/takeover/takeover-state.js';
import { routerIdle } from './support.js';

const APP = '131000000000000001';
const BOT = '131000000000000002';
const GUILD = '241000000000000001';
const STAFF_ROLE = '561000000000000001';
const ANA = '341000000000000001';
const BEN = '341000000000000002';
const SAM_STAFF = '341000000000000003';
const WINDOW_MS = 60_000;

let messageIds = 621000000000000000n;
let channelIds = 451000000000000000n;
const newChannel = () => String(++channelIds);

describe('router and human takeover', () => {
  let database: TestDatabase;
  let service: RunningService<RouterConfig>;
  let publisher: Bus;
  let sequence = 0;

  async function say(input: {
    channelId: string;
    authorId: string;
    content: string;
    replyTo?: string;
    roles?: string[];
  }) {
    const mentionsBot = input.content.includes(`<@${BOT}>`);
    const message = {
      id: String(++messageIds),
      type: input.replyTo ? MessageType.Reply : MessageType.Default,
      channel_id: input.channelId,
      guild_id: GUILD,
      author: { id: input.authorId, username: `user-${input.authorId.slice(-1)}`, global_name: null },
      member: { nick: null, roles: input.roles ?? [] },
      content: input.content,
      timestamp: new Date().toISOString(),
      mentions: mentionsBot ? [{ id: BOT, username: 'Steward', bot: true }] : [],
      mention_roles: [],
      ...(input.replyTo
        ? { referenced_message: { id: '691000000000000001', author: { id: input.replyTo, username: 'x' } } }
        : {}),
    };
    await publisher.publishJson(discordEventSubject(APP, GUILD, 'MESSAGE_CREATE'), message, {
      msgId: `${APP}:session:${++sequence}`,
    });
    return message;
  }

  /** The ids of the given messages the router asked an answer for, once it has decided all of them. */
  async function answered(messages: Array<{ id: string }>): Promise<string[]> {
    await routerIdle(publisher);
    const wanted = new Set(messages.map((message) => message.id));
    const { state } = await publisher.jsm.streams.info(Streams.facts.name);
    const ids: string[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const stored = await publisher.jsm.streams.getMessage(Streams.facts.name, { seq });
      if (stored?.subject !== Subjects.answerRequested) continue;
      const request = decode(AnswerRequestedSchema, stored.data);
      if (wanted.has(request.messageId)) ids.push(request.messageId);
    }
    return ids;
  }

  const takeoverEntry = async (conversationId: string) => {
    const entry = await (await publisher.kv(Buckets.takeover.name)).get(takeoverKey(conversationId));
    return entry?.operation === 'PUT' ? entry.json<Record<string, unknown>>() : undefined;
  };

  /** What the takeover service puts when an agent of `tenantId` takes Ana's conversation in the channel. */
  const agentTakesOver = (channelId: string, tenantId: string, atMs: number) =>
    publisher.putJson(Buckets.takeover.name, takeoverKey(`${GUILD}:${channelId}:${ANA}`), {
      conversationId: `${GUILD}:${channelId}:${ANA}`,
      tenantId,
      by: 'agent',
      agentId: 'user-1',
      agentName: 'Dana',
      atMs,
      untilMs: atMs + WINDOW_MS,
    });

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    publisher = await Bus.connect({ servers: process.env.NATS_URL!, name: 'router-takeover-test' });
    await publisher.ensureBuckets([Buckets.configGuilds]);
    await publisher.putJson(Buckets.configGuilds.name, GUILD, {
      guildId: GUILD,
      tenantId: 'acme',
      applicationId: APP,
      settings: { responseMode: 'mention', staffRoleIds: [STAFF_ROLE] },
    });
    service = await startService(routerService, {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL: '1',
      TAKEOVER_WINDOW_MS: String(WINDOW_MS),
      LOG_LEVEL: 'silent',
    });
    await publisher.publishJson(
      discordEventSubject(APP, null, 'READY'),
      {
        v: 10,
        user: { id: BOT, username: 'Steward', bot: true },
        guilds: [],
        session_id: 's',
        application: { id: APP, flags: 0 },
      },
      { msgId: 'ready-takeover' },
    );
  });

  afterAll(async () => {
    await publisher?.drain();
    await service?.stop();
    await database?.drop();
  });

  it('declares KV takeover with the configured window as max age', async () => {
    const status = await (await publisher.kv(Buckets.takeover.name)).status();
    expect(status.ttl).toBe(WINDOW_MS);
  });

  it('asks no answer in a conversation an agent has taken over, and answers the others', async () => {
    const channelId = newChannel();
    await agentTakesOver(channelId, 'acme', Date.now());
    const silenced = await say({ channelId, authorId: ANA, content: `<@${BOT}> are you there?` });
    const other = await say({ channelId, authorId: BEN, content: `<@${BOT}> how do refunds work?` });
    expect(await answered([silenced, other])).toEqual([other.id]);
  });

  it("answers in a conversation the server's previous tenant had taken over", async () => {
    const channelId = newChannel();
    // initech's agent held it until the server was linked to acme; the key outlives that.
    await agentTakesOver(channelId, 'initech', Date.now());
    const state = service.app.get(TakeoverState);
    await waitFor(() => state.isHeld(`${GUILD}:${channelId}:${ANA}`, 'initech'), {
      message: "the router to see initech's key",
    });
    const question = await say({ channelId, authorId: ANA, content: `<@${BOT}> hello, anyone?` });
    expect(await answered([question])).toEqual([question.id]);
  });

  it('answers again once the takeover window has passed, even before the key is swept', async () => {
    const channelId = newChannel();
    await agentTakesOver(channelId, 'acme', Date.now() - WINDOW_MS - 1_000);
    const question = await say({ channelId, authorId: ANA, content: `<@${BOT}> still there?` });
    expect(await answered([question])).toEqual([question.id]);
  });

  it("pauses the AI in a member's conversation when a staff member replies to them in Discord", async () => {
    const channelId = newChannel();
    const before = await say({ channelId, authorId: ANA, content: `<@${BOT}> my invoice is wrong` });
    await say({
      channelId,
      authorId: SAM_STAFF,
      roles: [STAFF_ROLE],
      replyTo: ANA,
      content: 'Hi Ana, let me look at it.',
    });
    const after = await say({ channelId, authorId: ANA, content: `<@${BOT}> thanks, what do you need?` });
    const ben = await say({ channelId, authorId: BEN, content: `<@${BOT}> where is the changelog?` });

    expect(await answered([before, after, ben])).toEqual([before.id, ben.id]);
    expect(await takeoverEntry(`${GUILD}:${channelId}:${ANA}`)).toMatchObject({
      by: 'staff',
      agentId: SAM_STAFF,
      tenantId: 'acme',
    });
    expect(await takeoverEntry(`${GUILD}:${channelId}:${BEN}`)).toBeUndefined();
  });

  it('does not pause anything for a member replying to another member', async () => {
    const channelId = newChannel();
    await say({ channelId, authorId: BEN, replyTo: ANA, content: 'same problem here' });
    const question = await say({ channelId, authorId: ANA, content: `<@${BOT}> any idea?` });
    expect(await answered([question])).toEqual([question.id]);
  });
});
