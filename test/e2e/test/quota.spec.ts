import { randomUUID } from 'node:crypto';
import { Bus, type ConsumerHandle } from '@steward/bus';
import {
  AnswerOrigin,
  AnswerOutcome,
  AnswerRequestedSchema,
  ConversationTurnSchema,
  decode,
  encode,
  MeteringRpc,
  Streams,
  Subjects,
  type ConversationTurn,
  type MeteringReply,
} from '@steward/contracts';
import type { RecordedRequest } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { PASSWORD_RESET } from '../src/knowledge.js';
import { Stack } from '../src/stack.js';

/** Gives a message time to be (wrongly) answered before asserting that it was not. */
const settle = (ms = 1_500) => new Promise((resolve) => setTimeout(resolve, ms));

interface Usage {
  plan: string;
  used: number;
  remaining: number;
  byKind: Record<string, number>;
  byChannel: Record<string, number>;
}

/**
 * The quota across services: every answer reserves one message in metering, Discord and the
 * chat API count on one ledger, and a plan without Discord gets no answers there.
 */
describe('quota and plans across services (metering, answer, router, admin-api)', () => {
  let stack: Stack;
  let bus: Bus;
  let turnsConsumer: ConsumerHandle;
  const turns: ConversationTurn[] = [];
  const freeTenantId = randomUUID();

  const usage = async () => {
    const response = await stack.api<Usage>('GET', '/usage');
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    stack = await Stack.start({ anthropic: true, extraGuilds: 1 });
    stack.anthropic!.respondWith((request: RecordedRequest) => {
      const choice = request.body.tool_choice;
      if (choice?.type !== 'tool' || choice.name !== 'submit_answer') return undefined;
      return {
        toolUse: {
          name: 'submit_answer',
          input: {
            outcome: 'answered',
            answer: 'Open Settings, then Security, and choose "Reset password".',
            source_document_ids: [],
            language: 'en',
          },
        },
      };
    });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'e2e-quota' });
    turnsConsumer = await bus.consume(
      { stream: Streams.facts.name, durable: 'e2e-quota-turns', filterSubjects: [Subjects.conversationTurn] },
      async (message) => {
        turns.push(decode(ConversationTurnSchema, message.data));
      },
    );
    await stack.addKnowledge(PASSWORD_RESET.title, PASSWORD_RESET.content);

    // The second guild belongs to a tenant on the Free plan (no Discord).
    await stack.subscribe(freeTenantId, 'free');
    await stack.configureGuild(bus, {
      guildId: stack.guilds[1]!.guild.id,
      tenantId: freeTenantId,
      settings: {},
    });
  }, 180_000);

  afterAll(async () => {
    await turnsConsumer?.stop();
    await bus?.drain();
    await stack?.stop();
  });

  it('puts the local tenant on Pro in local mode, so it is answered from the first start', async () => {
    const plan = await stack.api('GET', '/plan');
    expect(plan).toEqual({
      status: 200,
      body: {
        plan: 'pro',
        quota: 50_000,
        features: { discord: true, liveMonitoring: true, takeover: true, escalation: true },
      },
    });
  });

  it('counts a Discord answer and a chat API answer once each, on the same ledger', async () => {
    const before = await usage();
    expect(before.used).toBe(0);

    const question = stack.say(stack.alice, `${stack.mention()} how do I reset my password?`);
    const reply = await stack.replyTo(question.id);
    expect(reply.content).toContain('Reset password');

    const chat = await stack.api<{ response: string; session_id: string }>('POST', '/chat', {
      message: 'How do I reset my password?',
    });
    expect(chat.status).toBe(200);
    expect(chat.body.response).toContain('Reset password');

    expect(await usage()).toMatchObject({
      plan: 'pro',
      used: 2,
      remaining: 49_998,
      byKind: { answer: 1, moderation: 0, proactive: 0, api: 1 },
      byChannel: { discord: 1, api: 1, widget: 0 },
    });
  });

  it('counts an AnswerRequested delivered twice once, and replies once', async () => {
    const before = (await usage()).byKind.answer!;
    const question = stack.say(stack.bob, 'a question the router did not route');
    const requestId = randomUUID();
    const request = encode(AnswerRequestedSchema, {
      requestId,
      tenantId: stack.tenantId,
      applicationId: stack.app.id,
      guildId: stack.guild.id,
      channelId: stack.channelId,
      messageId: question.id,
      authorId: stack.bob.id,
      authorName: stack.bob.username,
      question: 'how do I reset my password?',
      origin: AnswerOrigin.MENTION,
      conversationId: `${stack.guild.id}:${stack.channelId}:${stack.bob.id}`,
      receivedAtMs: BigInt(Date.now()),
    });
    // Two copies the stream does not de-duplicate, as a redelivery after a crash would arrive.
    await bus.publish(Subjects.answerRequested, request, { msgId: `redelivery-test:${requestId}:1` });
    await bus.publish(Subjects.answerRequested, request, { msgId: `redelivery-test:${requestId}:2` });

    await stack.replyTo(question.id);
    await settle();
    expect(stack.repliesTo(question.id)).toHaveLength(1);
    expect((await usage()).byKind.answer).toBe(before + 1);
  });

  it("gives a Free tenant's guild no answers: no reply, no model call, the turn records QUOTA_EXCEEDED", async () => {
    const { guild, channelIds, members } = stack.guilds[1]!;
    const modelCalls = stack.anthropic!.requestCount;
    const question = stack.discord.postMessage({
      guildId: guild.id,
      channelId: channelIds[0]!,
      authorId: members[0]!.id,
      content: `${stack.mention()} how do I reset my password?`,
    });

    const turn = await waitFor(() => turns.find((candidate) => candidate.questionMessageId === question.id), {
      timeoutMs: 10_000,
      message: 'the turn of the Free tenant’s question',
    });
    expect(turn).toMatchObject({ tenantId: freeTenantId, outcome: AnswerOutcome.QUOTA_EXCEEDED, answer: '' });
    await settle();
    expect(stack.repliesTo(question.id, channelIds[0])).toEqual([]);
    expect(stack.botMessages(channelIds[0])).toEqual([]);
    expect(stack.anthropic!.requestCount).toBe(modelCalls);

    const free = await bus.requestJson<MeteringReply<'usage'>>(MeteringRpc.usage.subject, {
      tenantId: freeTenantId,
    });
    expect(free).toMatchObject({ plan: 'free', used: 0 });
  });

  it('gives Starter no live monitoring, takeover or escalation, and Standard all three', async () => {
    const starter = randomUUID();
    const standard = randomUUID();
    await stack.subscribe(starter, 'starter');
    await stack.subscribe(standard, 'standard');
    const entitlements = (tenantId: string) =>
      bus.requestJson<MeteringReply<'entitlements'>>(MeteringRpc.entitlements.subject, { tenantId });
    expect(await entitlements(starter)).toMatchObject({
      plan: 'starter',
      quota: 2_500,
      features: { discord: true, liveMonitoring: false, takeover: false, escalation: false },
    });
    expect((await entitlements(standard)).features).toEqual({
      discord: true,
      liveMonitoring: true,
      takeover: true,
      escalation: true,
    });
  });
});
