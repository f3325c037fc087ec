import { AnswerOrigin, AnswerOutcome, Buckets, create, InteractionTargetSchema, Streams, takeoverKey } from '@steward/contracts';
import {
  startAnthropicSandbox,
  type AnthropicSandbox,
  type RecordedRequest,
  type ScriptedReply,
} from '@steward/sandbox';
import { setTimeout as sleep } from 'node:timers/promises';
import { TakeoverMirror } from '@steward/runtime';
import { waitFor } from '@steward/testing';
import { AnswerHarness, APPLICATION_ID, contentOf, GUILD_ID } from './harness.js';

const PRO = 'tenant-pro';
const FREE = 'tenant-free';
const UNSUBSCRIBED = 'tenant-unsubscribed';
const TRIAGED = 'tenant-triaged';
const API_ONLY = 'tenant-api';

const PASSWORDS = `# Resetting your password
To reset your password, open Settings and choose Forgot password. We send a reset link to the email address on your account.`;

function toolOf(request: RecordedRequest): string | undefined {
  const choice = request.body.tool_choice;
  return choice?.type === 'tool' ? choice.name : undefined;
}

/** The chat API asks without any Discord place to reply to. */
const VIA_CHAT_API = {
  origin: AnswerOrigin.CHAT_API,
  applicationId: '',
  guildId: '',
  channelId: '',
  messageId: '',
  conversationId: 'api:session-1',
};

/** Triage replies to questions only; answers are scripted. */
function scriptedReply(request: RecordedRequest): ScriptedReply | undefined {
  const tool = toolOf(request);
  if (tool === 'decide_reply') {
    const message = /<member_message>([\s\S]*)<\/member_message>/.exec(JSON.stringify(request.body.messages));
    const reply = message?.[1]?.includes('?') ?? false;
    return { toolUse: { name: tool, input: { reply, reason: reply ? 'a question' : 'chatter' } } };
  }
  if (tool === 'submit_answer') {
    return {
      toolUse: {
        name: tool,
        input: {
          outcome: 'answered',
          answer: 'Open Settings and choose Forgot password.',
          source_document_ids: [],
          language: 'en',
        },
      },
    };
  }
  return undefined;
}

/**
 * An agent of the tenant takes the conversation over (the takeover service writes KV
 * `takeover`) and the answer service has seen it; the returned function hands it back.
 */
async function agentTakesOver(tenantId: string, conversationId: string): Promise<() => Promise<void>> {
  await harness.client.ensureBuckets([Buckets.takeover]);
  const now = Date.now();
  await harness.client.putJson(Buckets.takeover.name, takeoverKey(conversationId), {
    conversationId,
    tenantId,
    by: 'agent',
    agentName: 'Dana',
    atMs: now,
    untilMs: now + 60_000,
  });
  const takeovers = harness.service.app.get(TakeoverMirror);
  await waitFor(() => takeovers.holds(conversationId, tenantId));
  return async () => (await harness.client.kv(Buckets.takeover.name)).delete(takeoverKey(conversationId));
}

/**
 * Asks a question whose model call is held, has an agent take the conversation over while the
 * model works on it, then lets the model answer.
 */
async function takenOverWhileModelWorks(tenantId: string, conversationId: string, overrides: { triage?: boolean } = {}) {
  const modelCalls = anthropic.requestCount;
  const letModelAnswer = holdModel();
  const question = await harness.ask(tenantId, 'slowly: how do I reset my password?', { conversationId, ...overrides });
  await waitFor(() => anthropic.requestCount > modelCalls);
  const handBack = await agentTakesOver(tenantId, conversationId);
  letModelAnswer();
  return { question, handBack };
}

/** Every answer costs one message of the tenant's quota, reserved through the real metering service. */
let anthropic: AnthropicSandbox;
let harness: AnswerHarness;
/** What a model call about a "slowly" question waits for. */
let modelHeld: Promise<void> = Promise.resolve();

/** Holds the model's answers to "slowly" questions until the returned function is called. */
function holdModel(): () => void {
  let release!: () => void;
  modelHeld = new Promise((resolve) => (release = resolve));
  return release;
}

describe('answer service quota', () => {
  beforeAll(async () => {
    anthropic = await startAnthropicSandbox();
    anthropic.respondWith(async (request) => {
      // A member who writes "slowly" gets a model that waits until the test lets it answer.
      if (JSON.stringify(request.body.messages).includes('slowly')) await modelHeld;
      return scriptedReply(request);
    });
    harness = await AnswerHarness.start({
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      ANTHROPIC_BASE_URL: anthropic.url,
    });
    await harness.subscribe(PRO, 'pro');
    await harness.subscribe(FREE, 'free');
    await harness.subscribe(TRIAGED, 'starter');
    await harness.subscribe(API_ONLY, 'starter');
    for (const tenant of [PRO, FREE, UNSUBSCRIBED, TRIAGED, API_ONLY]) {
      await harness.addDocument(tenant, 'Passwords', PASSWORDS);
    }
  }, 30_000);

  afterAll(async () => {
    await harness?.stop();
    await anthropic?.close();
  });

  it('counts an answer once on the Discord ledger, however often the request is delivered', async () => {
    const first = await harness.ask(PRO, 'how do I reset my password?', {}, 'delivery-1');
    await harness.ask(
      PRO,
      first.question,
      { requestId: first.requestId, messageId: first.messageId },
      'delivery-2',
    );
    expect((await harness.turnFor(first.requestId)).outcome).toBe(AnswerOutcome.ANSWERED);
    await sleep(500);

    const replies = harness
      .commandsFor(first.requestId)
      .filter(({ command }) => command.commandId.startsWith('reply:'));
    expect(replies).toHaveLength(1);
    const usage = await harness.usage(PRO);
    expect(usage).toMatchObject({
      plan: 'pro',
      used: 1,
      byKind: { answer: 1, moderation: 0, proactive: 0, api: 0 },
      byChannel: { discord: 1, api: 0, widget: 0 },
      byGuild: [{ guildId: GUILD_ID, used: 1 }],
    });
  });

  it('leaves a question routed just before a person took the conversation over to that person: no reply, no model call, nothing counted', async () => {
    const conversationId = `${GUILD_ID}:950000000000000100:950000000000000101`;
    const usedBefore = (await harness.usage(PRO)).used;
    const modelCalls = anthropic.requestCount;
    // The agent takes over while the question waits.
    const handBack = await agentTakesOver(PRO, conversationId);
    try {
      const mention = await harness.ask(PRO, 'is anyone there?', { conversationId });
      expect(await harness.turnFor(mention.requestId)).toMatchObject({ outcome: AnswerOutcome.SKIPPED, answer: '' });
      const slash = await harness.ask(PRO, 'is anyone there?', {
        conversationId,
        origin: AnswerOrigin.SLASH_COMMAND,
        messageId: '',
        interaction: create(InteractionTargetSchema, { interactionId: '950000000000000102', token: 'taken-over-token' }),
      });
      // /ask's deferred response must be completed: it says who answers.
      const [reply] = await harness.replyFor(slash.requestId);
      expect(contentOf(reply!.command)).toBe('A member of the team is looking after your conversation here and will answer you.');
      await sleep(300);
      expect(harness.commandsFor(mention.requestId)).toEqual([]);
      expect(anthropic.requestCount).toBe(modelCalls);
      expect((await harness.usage(PRO)).used).toBe(usedBefore);
    } finally {
      await handBack();
    }
  });

  it('posts nothing over a person who takes the conversation over while the model writes the answer', async () => {
    const conversationId = `${GUILD_ID}:950000000000000110:950000000000000111`;
    const usedBefore = (await harness.usage(PRO)).used;
    const { question, handBack } = await takenOverWhileModelWorks(PRO, conversationId);
    try {
      expect(await harness.turnFor(question.requestId)).toMatchObject({ outcome: AnswerOutcome.SKIPPED, answer: '' });
      await sleep(300);
      expect(harness.commandsFor(question.requestId).filter(({ command }) => command.commandId.startsWith('reply:'))).toEqual([]);
      // The model wrote an answer: that message is spent, once.
      expect((await harness.usage(PRO)).used).toBe(usedBefore + 1);
    } finally {
      await handBack();
    }
  });

  it('gives the message back when a person takes over while triage decides, and asks the model for no answer', async () => {
    const conversationId = `${GUILD_ID}:950000000000000120:950000000000000121`;
    const usedBefore = (await harness.usage(TRIAGED)).used;
    const modelCalls = anthropic.requestCount;
    const { question, handBack } = await takenOverWhileModelWorks(TRIAGED, conversationId, { triage: true });
    try {
      expect(await harness.turnFor(question.requestId)).toMatchObject({ outcome: AnswerOutcome.SKIPPED, answer: '' });
      await sleep(300);
      expect(harness.commandsFor(question.requestId)).toEqual([]);
      expect(anthropic.requests.slice(modelCalls).map(toolOf)).toEqual(['decide_reply']);
      expect((await harness.usage(TRIAGED)).used).toBe(usedBefore);
    } finally {
      await handBack();
    }
  });

  it('gives a Free tenant no answer on Discord: no typing, no reply, no model call; the turn says so', async () => {
    const modelCalls = anthropic.requestCount;
    // No thread is opened for a refused question: its conversation stays in the channel.
    const request = await harness.ask(FREE, 'how do I reset my password?', { replyInThread: true });
    const turn = await harness.turnFor(request.requestId);
    expect(turn).toMatchObject({ outcome: AnswerOutcome.QUOTA_EXCEEDED, answer: '', replyCommandId: '' });
    expect(turn).toMatchObject({ channelId: request.channelId, conversationId: request.conversationId });
    await sleep(300);
    expect(harness.commandsFor(request.requestId)).toEqual([]);
    expect(anthropic.requestCount).toBe(modelCalls);
    expect((await harness.usage(FREE)).used).toBe(0);
  });

  it('completes a refused /ask with a short notice (Discord would show it as failed) and counts nothing', async () => {
    const request = await harness.ask(UNSUBSCRIBED, 'how do I reset my password?', {
      origin: AnswerOrigin.SLASH_COMMAND,
      messageId: '',
      interaction: create(InteractionTargetSchema, {
        interactionId: '950000000000000009',
        token: 'refused-token',
      }),
    });
    expect((await harness.turnFor(request.requestId)).outcome).toBe(AnswerOutcome.QUOTA_EXCEEDED);
    const [reply] = await harness.replyFor(request.requestId);
    expect(reply!.subject).toBe(`discord.cmd.${APPLICATION_ID}.edit-original`);
    expect(contentOf(reply!.command)).toBe("I can't answer questions here right now.");
    expect((await harness.usage(UNSUBSCRIBED)).used).toBe(0);
  });

  it('does not count triage: a message it skips costs nothing, one it answers costs one', async () => {
    const chatter = await harness.ask(TRIAGED, 'thanks, that worked', { triage: true });
    const question = await harness.ask(TRIAGED, 'how do I reset my password?', { triage: true });
    expect((await harness.turnFor(chatter.requestId)).outcome).toBe(AnswerOutcome.SKIPPED);
    expect((await harness.turnFor(question.requestId)).outcome).toBe(AnswerOutcome.ANSWERED);
    expect((await harness.usage(TRIAGED)).byKind).toEqual({ answer: 1, moderation: 0, proactive: 0, api: 0 });
  });

  it('counts a chat API answer as kind "api" on channel "api" and sends nothing to Discord', async () => {
    const request = await harness.ask(API_ONLY, 'how do I reset my password?', VIA_CHAT_API);
    const turn = await harness.turnFor(request.requestId);
    expect(turn).toMatchObject({ outcome: AnswerOutcome.ANSWERED, origin: AnswerOrigin.CHAT_API });
    expect(turn.answer).toContain('Forgot password');
    await sleep(300);
    expect(harness.commandsFor(request.requestId)).toEqual([]);
    expect(await harness.usage(API_ONLY)).toMatchObject({
      used: 1,
      byKind: { answer: 0, api: 1 },
      byChannel: { discord: 0, api: 1 },
    });

    // The Free plan has no messages at all, whatever the channel.
    const refused = await harness.ask(FREE, 'how do I reset my password?', VIA_CHAT_API);
    expect((await harness.turnFor(refused.requestId)).outcome).toBe(AnswerOutcome.QUOTA_EXCEEDED);
  });

  it('leaves a chat question whose caller stops waiting while the model writes: the call is aborted, nothing counted', async () => {
    const usedBefore = (await harness.usage(API_ONLY)).used;
    const modelCalls = anthropic.requestCount;
    const letModelAnswer = holdModel();
    try {
      const request = await harness.ask(API_ONLY, 'slowly: how do I reset my password?', {
        ...VIA_CHAT_API,
        conversationId: 'api:session-gone',
        answerWithinMs: 4_000n,
      });
      await waitFor(() => anthropic.requestCount > modelCalls);
      // Told while the model is still held: the answer service did not wait for it.
      const turn = await harness.turnFor(request.requestId, 8_000);
      expect(turn).toMatchObject({ outcome: AnswerOutcome.EXPIRED, answer: '', sources: [] });
    } finally {
      letModelAnswer();
    }
    await sleep(500);
    expect((await harness.usage(API_ONLY)).used).toBe(usedBefore);
    // Nothing was remembered either: the session's next question starts afresh.
    const remembered = await harness.database.query(
      'SELECT question FROM answer.conversation_turns WHERE conversation_id = $1',
      ['api:session-gone'],
    );
    expect(remembered).toEqual([]);
  }, 20_000);

  it('leaves a chat question that waited for metering past its caller\'s wait, and counts nothing when metering is back', async () => {
    const usedBefore = (await harness.usage(API_ONLY)).used;
    await harness.stopMetering();
    let request;
    try {
      const modelCalls = anthropic.requestCount;
      request = await harness.ask(API_ONLY, 'where do I find the reset link?', {
        ...VIA_CHAT_API,
        conversationId: 'api:session-outage',
        answerWithinMs: 1_000n,
      });
      expect((await harness.turnFor(request.requestId, 5_000)).outcome).toBe(AnswerOutcome.EXPIRED);
      expect(anthropic.requestCount).toBe(modelCalls);
    } finally {
      await harness.restartMetering();
    }
    await sleep(500);
    expect((await harness.usage(API_ONLY)).used).toBe(usedBefore);
    expect(harness.turns.filter((turn) => turn.turnId === request.requestId)).toHaveLength(1);
  }, 20_000);

  it('waits for metering when it does not answer, and answers (counted) once it is back', async () => {
    const answersBefore = (await harness.usage(PRO)).byKind.answer;
    await harness.stopMetering();
    try {
      const modelCalls = anthropic.requestCount;
      const request = await harness.ask(PRO, 'where do I find the reset link?');
      await sleep(2_500);
      expect(harness.turns.find((turn) => turn.turnId === request.requestId)).toBeUndefined();
      expect(harness.commandsFor(request.requestId)).toEqual([]);
      expect(anthropic.requestCount).toBe(modelCalls);
      // The question waits in place: an outage does not use up its delivery attempts.
      const consumer = await harness.client.jsm.consumers.info(Streams.facts.name, 'answer');
      expect(consumer).toMatchObject({ num_ack_pending: 1, num_redelivered: 0 });

      await harness.restartMetering();
      expect((await harness.turnFor(request.requestId, 15_000)).outcome).toBe(AnswerOutcome.ANSWERED);
      expect((await harness.usage(PRO)).byKind.answer).toBe(answersBefore + 1);
    } finally {
      await harness.restartMetering();
    }
  }, 30_000);
});
