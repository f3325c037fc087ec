/**
 * The takeover service through its real entry points (facts on JetStream, rpc.takeover.*),
 * with the real metering service for plans, real NATS KV and Postgres, and the SMTP sink.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus, DEAD_LETTER_STREAM, deadLetterSubject, type DeadLetterRecord } from '@steward/bus';
import {
  AnswerOutcome,
  Buckets,
  ConversationHandedBackSchema,
  ConversationMessageDeliverySchema,
  ConversationMessageSchema,
  decode,
  DiscordCommandResultSchema,
  encode,
  discordCommandSubject,
  DiscordCommandSchema,
  HandBackReason,
  MeteringRpc,
  Subjects,
  takeoverKey,
  TakeoverSubjects,
} from '@steward/contracts';
import { GuildConfigStore, startService, type RunningService } from '@steward/runtime';
import { startSmtpSink, type SmtpSink } from '@steward/sandbox';
import { createTestDatabase, resetJetStream, storedMessages, waitFor, type TestDatabase } from '@steward/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeteringConfig } from '../../metering/src/config.js';
import { meteringService } from '../../metering/src/service.js';
import type { TakeoverConfig } from '../src/config.js';
import { takeoverService } from '../src/service.js';
import {
  conversationIdOf,
  publishEscalation,
  publishFeedback,
  publishMemberMessage,
  publishTurn,
  rpcErrorOf,
  snowflake,
  takeoverClient,
  type Place,
} from './support.js';

const WINDOW_MS = 1_500;
const APP = snowflake();
const GUILD = snowflake();
const CHANNEL = snowflake();
const agent = { id: 'user-1', name: 'Dana' };

let database: TestDatabase;
let sink: SmtpSink;
let metering: RunningService<MeteringConfig>;
let takeover: RunningService<TakeoverConfig>;
let bus: Bus;
let call: ReturnType<typeof takeoverClient>;

function place(tenantId: string, authorName: string, guildId = GUILD): Place {
  return { tenantId, applicationId: APP, guildId, channelId: CHANNEL, authorId: snowflake(), authorName };
}

async function kvEntry(conversationId: string) {
  const entry = await (await bus.kv(Buckets.takeover.name)).get(takeoverKey(conversationId));
  return entry?.operation === 'PUT' ? entry.json<{ by: string; untilMs: number }>() : undefined;
}

/** An Acme member's conversation, answered once by the AI, then taken over by the agent. */
async function takenOverConversation(authorName: string, exchange: { question: string; answer: string }) {
  const member = place('acme', authorName);
  const id = conversationIdOf(member);
  await publishTurn(bus, member, { messageId: snowflake(), ...exchange });
  await waitFor(() => call('get', { tenantId: 'acme', conversationId: id }).catch(() => undefined));
  await call('takeover', { tenantId: 'acme', conversationId: id, agent });
  return { member, id };
}

/** Publishes what egress reports once it carried out (or gave up) a command of acme's. */
async function egressReports(
  commandId: string,
  outcome: { ok: boolean; httpStatus?: number; discordCode?: number; error?: string },
): Promise<void> {
  await bus.publish(
    Subjects.egressResult,
    encode(DiscordCommandResultSchema, {
      commandId,
      applicationId: APP,
      tenantId: 'acme',
      guildId: GUILD,
      verb: 'send',
      attempts: 1,
      atMs: BigInt(Date.now()),
      ...outcome,
    }),
    { msgId: `result:${commandId}` },
  );
}

/** Waits until the takeover service has handled every egress report published so far. */
async function egressReportsHandled(): Promise<void> {
  await waitFor(async () => {
    const { num_pending, num_ack_pending } = await bus.jsm.consumers.info('STEWARD', 'takeover-egress-results');
    return num_pending === 0 && num_ack_pending === 0;
  });
}

const stateOf = async (tenantId: string, conversationId: string) =>
  (await call('get', { tenantId, conversationId })).state;

beforeAll(async () => {
  await resetJetStream();
  database = await createTestDatabase();
  sink = await startSmtpSink();
  const env = {
    NATS_URL: process.env.NATS_URL,
    DATABASE_URL: database.url,
    STEWARD_MIGRATE_ON_START: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OPS_PORT: '0',
    SMTP_URL: sink.url,
  };
  metering = await startService(meteringService, env);
  takeover = await startService(takeoverService, {
    ...env,
    TAKEOVER_WINDOW_MS: String(WINDOW_MS),
    TAKEOVER_SWEEP_INTERVAL_MS: '100',
    TAKEOVER_EMAIL_RETRY_MS: '200',
    TAKEOVER_ENTITLEMENTS_CACHE_MS: '0',
    STEWARD_PUBLIC_URL: 'https://steward.example.com',
  });
  bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'takeover-test' });
  call = takeoverClient(bus);
  for (const [tenantId, plan] of [
    ['acme', 'standard'],
    ['globex', 'pro'],
    ['cheap', 'starter'],
  ] as const) {
    await bus.requestJson(MeteringRpc.subscriptionSet.subject, {
      tenantId,
      plan,
      notifyEmails: [`billing@${tenantId}.test`],
    });
  }
  await bus.putJson(Buckets.configGuilds.name, GUILD, {
    guildId: GUILD,
    tenantId: 'acme',
    applicationId: APP,
    settings: { notificationEmails: ['support@acme.test', 'lead@acme.test'] },
  });
}, 60_000);

afterAll(async () => {
  await bus?.drain();
  await takeover?.stop();
  await metering?.stop();
  await sink?.close();
  await database?.drop();
});

describe('conversations', () => {
  it('keeps each AI turn as a transcript, listed for its tenant only', async () => {
    const alice = place('acme', 'alice');
    const id = conversationIdOf(alice);
    await publishTurn(bus, alice, {
      messageId: snowflake(),
      question: 'How do I reset my password?',
      answer: 'Open Settings and choose Reset password.',
      sources: ['Passwords'],
    });
    const listed = await waitFor(async () =>
      (await call('list', { tenantId: 'acme' })).conversations.find((c) => c.id === id),
    );
    expect(listed).toMatchObject({
      guildId: GUILD,
      channelId: CHANNEL,
      authorName: 'alice',
      state: 'ai',
      assignedAgent: null,
      lastQuestion: 'How do I reset my password?',
    });
    const detail = await call('get', { tenantId: 'acme', conversationId: id });
    expect(detail.turns.map(({ role, content, sources }) => ({ role, content, sources }))).toEqual([
      { role: 'member', content: 'How do I reset my password?', sources: [] },
      {
        role: 'bot',
        content: 'Open Settings and choose Reset password.',
        sources: [{ documentId: 'doc-0', title: 'Passwords' }],
      },
    ]);

    // Then a bare mention, met with the invitation to ask: the last question stays the real one.
    // (A turn is dated from its question, 420 ms before the answer here.)
    await sleep(1_000);
    await publishTurn(bus, alice, { messageId: snowflake(), question: '', answer: 'Hi! Ask me a question.' });
    const withInvitation = await waitFor(async () => {
      const current = await call('get', { tenantId: 'acme', conversationId: id });
      return current.turns.length === 3 ? current : undefined;
    });
    expect(withInvitation.lastQuestion).toBe('How do I reset my password?');

    expect((await call('list', { tenantId: 'globex' })).conversations.map((c) => c.id)).not.toContain(id);
    expect((await rpcErrorOf(call('get', { tenantId: 'globex', conversationId: id }))).code).toBe(
      'not_found',
    );
    expect((await rpcErrorOf(call('takeover', { tenantId: 'globex', conversationId: id, agent }))).code).toBe(
      'not_found',
    );
  });

  it("hands a conversation to the tenant its server is linked to next, without the previous tenant's turns", async () => {
    const dora = place('acme', 'dora');
    const id = conversationIdOf(dora);
    await publishTurn(bus, dora, {
      messageId: snowflake(),
      question: 'What is the staff discount code?',
      answer: 'It is ACME-STAFF-42.',
      sources: ['Internal handbook'],
    });
    await waitFor(async () => (await call('get', { tenantId: 'acme', conversationId: id }).catch(() => undefined))?.turns.length === 2);
    // An acme agent has it when the server changes hands, and wrote to the member.
    expect(await call('takeover', { tenantId: 'acme', conversationId: id, agent })).toMatchObject({ state: 'human' });
    const written = await call('message', { tenantId: 'acme', conversationId: id, agent, requestId: 'dora-1', content: 'Let me check.' });

    // The server is released by acme and linked by initech; the same member writes again, after
    // acme's last answer (a turn is dated from its question, 420 ms before the answer here).
    await sleep(500);
    await publishTurn(bus, { ...dora, tenantId: 'initech' }, { messageId: snowflake(), question: 'Hello?', answer: 'Hi, how can I help?' });
    const handedOver = await waitFor(async () => {
      const detail = await call('get', { tenantId: 'initech', conversationId: id }).catch(() => undefined);
      return detail?.turns.length ? detail : undefined;
    });
    expect(handedOver.turns.map((turn) => turn.content)).toEqual(['Hello?', 'Hi, how can I help?']);
    expect(handedOver).toMatchObject({ state: 'ai', assignedAgent: null, lastQuestion: 'Hello?' });
    expect((await rpcErrorOf(call('get', { tenantId: 'acme', conversationId: id }))).code).toBe('not_found');

    // Egress's report on acme's message comes late: initech's live feed hears nothing of it.
    await egressReports(written.commandId, { ok: false, httpStatus: 403, discordCode: 50001, error: 'missing access' });
    await egressReportsHandled();
    const deliveries = (await storedMessages(bus.jsm, 'STEWARD', TakeoverSubjects.delivery))
      .map(({ data }) => decode(ConversationMessageDeliverySchema, data))
      .filter((fact) => fact.conversationId === id);
    expect(deliveries).toEqual([]);
  });

  it('pages through conversations, most recent first', async () => {
    const tenantId = 'globex';
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      const member = place(tenantId, `member-${n}`, snowflake());
      ids.push(conversationIdOf(member));
      await publishTurn(bus, member, {
        messageId: snowflake(),
        question: `question ${n}`,
        answer: `answer ${n}`,
      });
      await sleep(5);
    }
    await waitFor(async () => (await call('list', { tenantId })).conversations.length === 5);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('list', { tenantId, limit: 2, cursor });
      seen.push(...page.conversations.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    // A cursor it did not hand out is refused as such, not handed to Postgres.
    const crafted = Buffer.from(JSON.stringify(['1', ids[0]])).toString('base64url');
    await expect(call('list', { tenantId, limit: 2, cursor: crafted })).rejects.toThrow(/cursor is not one this API returned/);
  });
});

describe('answer feedback', () => {
  const FEEDBACK_CONSUMER = 'takeover-feedback';

  const feedbackConsumer = () => bus.jsm.consumers.info('STEWARD', FEEDBACK_CONSUMER);

  /** Every press published so far has been handled and acknowledged (none waits for a retry). */
  const feedbackSettled = () =>
    waitFor(async () => {
      const info = await feedbackConsumer();
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });

  const feedbackOf = async (tenantId: string, conversationId: string) =>
    (await call('get', { tenantId, conversationId })).turns.map(
      ({ role, feedback }) => [role, feedback] as const,
    );

  it('counts one vote per member on an answer, the latest press, for its tenant only', async () => {
    const hugo = place('acme', 'hugo');
    const id = conversationIdOf(hugo);
    const turnId = await publishTurn(bus, hugo, {
      messageId: snowflake(),
      question: 'Do you ship abroad?',
      answer: 'Yes, to the whole EU.',
    });
    await waitFor(async () => (await feedbackOf('acme', id).catch(() => [])).length === 2);
    expect(await feedbackOf('acme', id)).toEqual([
      ['member', null],
      ['bot', { helpful: 0, notHelpful: 0 }],
    ]);

    const [ines, jack] = [snowflake(), snowflake()];
    const at = Date.now();
    const inesUp = { feedbackId: snowflake(), turnId, userId: ines, helpful: true, atMs: at };
    await publishFeedback(bus, hugo, inesUp);
    await publishFeedback(bus, hugo, {
      feedbackId: snowflake(),
      turnId,
      userId: jack,
      helpful: true,
      atMs: at + 1,
    });
    await waitFor(async () => (await feedbackOf('acme', id))[1]![1]?.helpful === 2);

    // Ines changes her mind.
    await publishFeedback(bus, hugo, {
      feedbackId: snowflake(),
      turnId,
      userId: ines,
      helpful: false,
      atMs: at + 2,
    });
    await waitFor(async () => (await feedbackOf('acme', id))[1]![1]?.notHelpful === 1);
    expect(await feedbackOf('acme', id)).toEqual([
      ['member', null],
      ['bot', { helpful: 1, notHelpful: 1 }],
    ]);

    // Her first press delivered again, after the second; and a press naming the answer under
    // another tenant.
    await publishFeedback(bus, hugo, inesUp);
    await publishFeedback(
      bus,
      { ...hugo, tenantId: 'globex' },
      { feedbackId: snowflake(), turnId, userId: snowflake(), helpful: true, atMs: at + 3 },
    );
    await feedbackSettled();
    expect(await feedbackOf('acme', id)).toEqual([
      ['member', null],
      ['bot', { helpful: 1, notHelpful: 1 }],
    ]);
  });

  it('counts a vote that arrives before its answer is recorded, once the answer is', async () => {
    const kim = place('acme', 'kim');
    const id = conversationIdOf(kim);
    const messageId = snowflake();
    await publishFeedback(bus, kim, {
      feedbackId: snowflake(),
      turnId: `msg:${messageId}`,
      userId: snowflake(),
      helpful: true,
      atMs: Date.now(),
    });
    // Tried, found no answer, and tried again.
    await waitFor(async () => (await feedbackConsumer()).num_redelivered >= 1);
    expect(await rpcErrorOf(call('get', { tenantId: 'acme', conversationId: id }))).toMatchObject({
      code: 'not_found',
    });

    await publishTurn(bus, kim, {
      messageId,
      question: 'Is there a student discount?',
      answer: 'Yes, 20% off.',
    });
    await waitFor(async () => (await feedbackOf('acme', id).catch(() => []))[1]?.[1]?.helpful === 1, {
      timeoutMs: 15_000,
    });
    await feedbackSettled();
    expect(await feedbackOf('acme', id)).toEqual([
      ['member', null],
      ['bot', { helpful: 1, notHelpful: 0 }],
    ]);
  });

  it('dead-letters a press without a member instead of retrying it', async () => {
    const feedbackId = snowflake();
    await publishFeedback(bus, place('acme', 'lea'), {
      feedbackId,
      turnId: 'msg:1',
      userId: '',
      helpful: true,
      atMs: Date.now(),
    });
    const dead = await waitFor(async () =>
      (await storedMessages(bus.jsm, DEAD_LETTER_STREAM, deadLetterSubject('STEWARD', FEEDBACK_CONSUMER)))
        .map(({ data }) => JSON.parse(new TextDecoder().decode(data)) as DeadLetterRecord)
        .find((record) => record.error.message.includes(feedbackId)),
    );
    expect(dead).toMatchObject({ reason: 'permanent', deliveryCount: 1 });
  });
});

describe('takeover', () => {
  it('silences the AI, posts the agent message once, keeps member messages, and resumes after the window', async () => {
    const bob = place('acme', 'bob');
    const id = conversationIdOf(bob);
    await publishTurn(bus, bob, {
      messageId: snowflake(),
      question: 'Where is my parcel?',
      answer: 'It ships soon.',
    });
    await waitFor(() => call('get', { tenantId: 'acme', conversationId: id }).catch(() => undefined));

    const taken = await call('takeover', { tenantId: 'acme', conversationId: id, agent });
    expect(taken).toMatchObject({ state: 'human', assignedAgent: agent });
    expect(Date.parse(taken.resumesAt!) - Date.parse(taken.lastAgentActivityAt!)).toBe(WINDOW_MS);
    expect(await kvEntry(id)).toMatchObject({ by: 'agent' });

    // The member writes while the agent is in charge: the AI is silent, the transcript keeps it.
    const memberMessageId = snowflake();
    await publishMemberMessage(bus, bob, { id: memberMessageId, content: `<@${APP}> Hello? Anyone there?`, nick: 'Bobby' });

    const first = await call('message', {
      tenantId: 'acme',
      conversationId: id,
      agent,
      requestId: 'req-1',
      content: 'Hi Bob, I am checking your parcel now.',
    });
    const again = await call('message', {
      tenantId: 'acme',
      conversationId: id,
      agent,
      requestId: 'req-1',
      content: 'Hi Bob, I am checking your parcel now.',
    });
    expect(again.commandId).toBe(first.commandId);
    const commands = (await storedMessages(bus.jsm, 'DISCORD_CMD', discordCommandSubject(APP, 'send')))
      .map(({ data }) => decode(DiscordCommandSchema, data))
      .filter((command) => command.commandId === first.commandId);
    expect(commands).toHaveLength(1);
    expect(commands[0]!.action).toMatchObject({
      case: 'sendMessage',
      value: { channelId: CHANNEL, content: 'Hi Bob, I am checking your parcel now.' },
    });

    const transcript = await waitFor(async () => {
      const detail = await call('get', { tenantId: 'acme', conversationId: id });
      return detail.turns.length === 4 ? detail.turns : undefined;
    });
    expect(transcript.map(({ role, authorName, content }) => [role, authorName, content])).toEqual([
      ['member', 'bob', 'Where is my parcel?'],
      ['bot', 'Steward', 'It ships soon.'],
      ['member', 'Bobby', 'Hello? Anyone there?'],
      ['agent', 'Dana', 'Hi Bob, I am checking your parcel now.'],
    ]);

    // Nothing more from the agent: the AI answers again and the feed says so.
    await waitFor(async () => (await stateOf('acme', id)) === 'ai', { timeoutMs: WINDOW_MS + 3_000 });
    expect(await kvEntry(id)).toBeUndefined();
    const resumed = (await storedMessages(bus.jsm, 'STEWARD', TakeoverSubjects.resumed))
      .map(({ data }) => decode(ConversationHandedBackSchema, data))
      .filter((fact) => fact.conversationId === id);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toMatchObject({ reason: HandBackReason.INACTIVE, tenantId: 'acme', agent });
  });

  it('extends the window with every agent action, and releases at once on request', async () => {
    const { id } = await takenOverConversation('carol', { question: 'Can I pay by invoice?', answer: 'Yes.' });

    // Acting every two thirds of a window keeps the conversation well past one window.
    for (let n = 0; n < 3; n++) {
      await sleep((WINDOW_MS * 2) / 3);
      await call('message', {
        tenantId: 'acme',
        conversationId: id,
        agent,
        requestId: `keep-${n}`,
        content: `still here ${n}`,
      });
      expect(await stateOf('acme', id)).toBe('human');
    }
    expect((await kvEntry(id))?.untilMs).toBeGreaterThan(Date.now());

    const released = await call('release', { tenantId: 'acme', conversationId: id, agent });
    expect(released).toMatchObject({ state: 'ai', assignedAgent: null, resumesAt: null });
    expect(await kvEntry(id)).toBeUndefined();
    const facts = await storedMessages(bus.jsm, 'STEWARD', TakeoverSubjects.released);
    expect(facts.map(({ data }) => decode(ConversationHandedBackSchema, data).conversationId)).toContain(id);
  });

  it("shows whether Discord took each agent message, with Discord's reason when it refused one", async () => {
    const { id } = await takenOverConversation('erin', { question: 'Is my order late?', answer: 'It ships today.' });
    const delivered = await call('message', { tenantId: 'acme', conversationId: id, agent, requestId: 'erin-1', content: 'Checking now.' });
    const refused = await call('message', { tenantId: 'acme', conversationId: id, agent, requestId: 'erin-2', content: 'Found it!' });
    const agentTurns = async () => (await call('get', { tenantId: 'acme', conversationId: id })).turns.filter((turn) => turn.role === 'agent');
    expect((await agentTurns()).map(({ delivery }) => delivery)).toEqual(['sending', 'sending']);

    // What egress reports once Discord answered (the second one: the bot lost Send Messages here).
    const refusal = 'missing permission: the bot cannot send messages in this channel (Discord 50013)';
    await egressReports(delivered.commandId, { ok: true, httpStatus: 200 });
    await egressReports(refused.commandId, { ok: false, httpStatus: 403, discordCode: 50013, error: refusal });

    const settled = await waitFor(async () => {
      const turns = await agentTurns();
      return turns.every(({ delivery }) => delivery !== 'sending') ? turns : undefined;
    });
    expect(settled.map(({ content, delivery, deliveryError }) => ({ content, delivery, deliveryError }))).toEqual([
      { content: 'Checking now.', delivery: 'sent', deliveryError: null },
      { content: 'Found it!', delivery: 'failed', deliveryError: refusal },
    ]);
    // The dashboard's live feed hears of it at once.
    const facts = await waitFor(async () => {
      const stored = (await storedMessages(bus.jsm, 'STEWARD', TakeoverSubjects.delivery))
        .map(({ data }) => decode(ConversationMessageDeliverySchema, data))
        .filter((fact) => fact.conversationId === id);
      return stored.length === 2 ? stored : undefined;
    });
    // Reports are handled concurrently: in whichever order they settled.
    const byMessage = facts.sort((a, b) => a.messageId.localeCompare(b.messageId));
    expect(byMessage.map(({ tenantId, messageId, delivered: ok, error }) => ({ tenantId, messageId, ok, error }))).toEqual([
      { tenantId: 'acme', messageId: 'erin-1', ok: true, error: '' },
      { tenantId: 'acme', messageId: 'erin-2', ok: false, error: refusal },
    ]);
  });

  it('keeps a question the member wrote just before the takeover, which the AI then left to the agent', async () => {
    const { member: gina, id } = await takenOverConversation('gina', {
      question: 'Do you ship abroad?',
      answer: 'Yes, to the EU.',
    });

    // Written while the AI still had the conversation (so its MESSAGE_CREATE was not kept), and
    // answered after the takeover: the answer service leaves it to the agent. (A turn is dated
    // from its question, 420 ms before the answer here.)
    await sleep(500);
    const late = snowflake();
    await publishTurn(bus, gina, { messageId: late, question: 'And to Norway?', answer: '', outcome: AnswerOutcome.SKIPPED });
    // The read that first shows the new turn shows the last question it brought (one snapshot).
    const detail = await waitFor(async () => {
      const current = await call('get', { tenantId: 'acme', conversationId: id });
      return current.turns.length === 3 ? current : undefined;
    });
    expect(detail.turns.map(({ role, authorName, content }) => [role, authorName, content])).toEqual([
      ['member', 'gina', 'Do you ship abroad?'],
      ['bot', 'Steward', 'Yes, to the EU.'],
      ['member', 'gina', 'And to Norway?'],
    ]);
    expect(detail.lastQuestion).toBe('And to Norway?');
    const shown = (await storedMessages(bus.jsm, 'STEWARD', TakeoverSubjects.message))
      .map(({ data }) => decode(ConversationMessageSchema, data))
      .filter((fact) => fact.conversationId === id);
    expect(shown.map((fact) => [fact.messageId, fact.content])).toEqual([[late, 'And to Norway?']]);

    // Its MESSAGE_CREATE, late too, keeps it once.
    await publishMemberMessage(bus, gina, { id: late, content: `<@${APP}> And to Norway?` });
    // And the member's next message comes after it in the transcript.
    await publishMemberMessage(bus, gina, { id: snowflake(), content: 'thanks' });
    const after = await waitFor(async () => {
      const current = await call('get', { tenantId: 'acme', conversationId: id });
      return current.turns.length >= 4 ? current : undefined;
    });
    expect(after.turns.map((turn) => turn.content)).toEqual(['Do you ship abroad?', 'Yes, to the EU.', 'And to Norway?', 'thanks']);
    await call('release', { tenantId: 'acme', conversationId: id, agent });
  });

  it("refuses to post in a server that has moved to another tenant, keeping the transcript readable", async () => {
    const moved = snowflake();
    const link = (tenantId: string) =>
      bus.putJson(Buckets.configGuilds.name, moved, { guildId: moved, tenantId, applicationId: APP });
    await link('acme');
    const erin = place('acme', 'erin', moved);
    const id = conversationIdOf(erin);
    await publishTurn(bus, erin, { messageId: snowflake(), question: 'Is the shop open?', answer: 'Yes, until 6 pm.' });
    await waitFor(() => call('get', { tenantId: 'acme', conversationId: id }).catch(() => undefined));
    expect(await call('takeover', { tenantId: 'acme', conversationId: id, agent })).toMatchObject({ state: 'human' });
    await call('release', { tenantId: 'acme', conversationId: id, agent });

    // Acme releases the server and globex links it; erin has not written since.
    await link('globex');
    await waitFor(() => takeover.app.get(GuildConfigStore).get(moved)?.tenantId === 'globex');
    const refused = await rpcErrorOf(
      call('message', { tenantId: 'acme', conversationId: id, agent, requestId: 'after-move', content: 'Still there?' }),
    );
    expect(refused).toMatchObject({ code: 'conflict', message: expect.stringContaining('no longer connected to your account') });
    expect((await rpcErrorOf(call('takeover', { tenantId: 'acme', conversationId: id, agent }))).code).toBe('conflict');
    const sent = (await storedMessages(bus.jsm, 'DISCORD_CMD', discordCommandSubject(APP, 'send'))).map(
      ({ data }) => decode(DiscordCommandSchema, data).commandId,
    );
    expect(sent).not.toContain(`agent:${id}:after-move`);
    expect(await call('get', { tenantId: 'acme', conversationId: id })).toMatchObject({ state: 'ai' });
    expect(await kvEntry(id)).toBeUndefined();
  });

  it('refuses a tenant on the Starter plan', async () => {
    const dave = place('cheap', 'dave', snowflake());
    const id = conversationIdOf(dave);
    await publishTurn(bus, dave, { messageId: snowflake(), question: 'Hi?', answer: 'Hello!' });
    await waitFor(() => call('get', { tenantId: 'cheap', conversationId: id }).catch(() => undefined));
    const refused = await rpcErrorOf(call('takeover', { tenantId: 'cheap', conversationId: id, agent }));
    expect(refused.code).toBe('plan_required');
    expect(await kvEntry(id)).toBeUndefined();
  });
});

describe('escalation', () => {
  it('flags the conversation and e-mails the guild once an hour with the transcript and a takeover link', async () => {
    const erin = place('acme', 'erin');
    const id = conversationIdOf(erin);
    await publishTurn(bus, erin, {
      messageId: snowflake(),
      question: 'My order arrived broken',
      answer: 'Sorry to hear that.',
    });
    await publishEscalation(bus, erin, 'I want to talk to a human', 'r-1');

    const mail = await sink.waitForMessage((m) => m.subject.includes('erin'), 10_000);
    expect(mail.subject).toBe('Steward: erin asked to talk to a person');
    expect(mail.to).toEqual(['support@acme.test', 'lead@acme.test']);
    expect(mail.text).toContain('"I want to talk to a human"');
    expect(mail.text).toContain(`https://steward.example.com/live?conversation=${id}`);
    expect(mail.text).toContain('erin: My order arrived broken');
    expect(mail.text).toContain('Steward: Sorry to hear that.');
    expect(await stateOf('acme', id)).toBe('escalated');

    await publishEscalation(bus, erin, 'hello?? a human please', 'r-2');
    await waitFor(
      async () =>
        (await call('get', { tenantId: 'acme', conversationId: id })).lastQuestion ===
        'hello?? a human please',
    );
    await sleep(500);
    expect(sink.messages.filter((m) => m.subject.includes('erin'))).toHaveLength(1);
  });

  it('sends no e-mail on the Starter plan', async () => {
    const frank = place('cheap', 'frank', snowflake());
    await publishEscalation(bus, frank, 'human please', 'r-3');
    await waitFor(
      async () => (await stateOf('cheap', conversationIdOf(frank)).catch(() => undefined)) === 'escalated',
    );
    await sleep(500);
    expect(sink.messages.filter((m) => m.subject.includes('frank'))).toHaveLength(0);
  });

  it('retries an e-mail while SMTP is down, and sends it once', async () => {
    const port = sink.port;
    await sink.close();
    const gina = place('acme', 'gina');
    await publishEscalation(bus, gina, 'Позовите, пожалуйста, человека', 'r-4');
    await waitFor(async () => {
      const [row] = await takeover.dataSource!.query(
        'SELECT attempts, last_error FROM escalation_emails WHERE conversation_id = $1',
        [conversationIdOf(gina)],
      );
      return row?.attempts >= 1 ? row : undefined;
    });
    sink = await startSmtpSink({ port });
    const mail = await sink.waitForMessage((m) => m.subject.includes('gina'), 10_000);
    expect(mail.text).toContain('Позовите, пожалуйста, человека');
    await sleep(600);
    expect(sink.messages.filter((m) => m.subject.includes('gina'))).toHaveLength(1);
  });
});
