import { Bus } from '@steward/bus';
import type { RecordedRequest } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { Stack } from '../src/stack.js';
import { PASSWORD_RESET } from '../src/knowledge.js';

/** Everything the model was shown in one request, as text. */
function promptText(request: RecordedRequest): string {
  return JSON.stringify({ system: request.body.system, messages: request.body.messages });
}

/** A request that asks the model for the answer itself (not triage or query rewriting). */
function isAnswerRequest(request: RecordedRequest): boolean {
  const choice = request.body?.tool_choice as { name?: string } | undefined;
  return choice?.name === 'submit_answer';
}

/** An answer of three Discord messages. */
const EVERY_STEP = Array.from(
  { length: 90 },
  (_, n) => `Step ${n + 1} of the reset is explained in this sentence.`,
).join(' ');

describe('answer path with Claude (Anthropic sandbox)', () => {
  let stack: Stack;
  let documentId: string;

  beforeAll(async () => {
    stack = await Stack.start({ anthropic: true });
    documentId = await stack.addKnowledge(PASSWORD_RESET.title, PASSWORD_RESET.content);
  }, 180_000);

  afterAll(() => stack?.stop());

  beforeEach(() => {
    // The model answers from what it was given: quote the line of the prompt that mentions the link.
    stack.anthropic!.respondWith((request) => {
      if (!isAnswerRequest(request)) return undefined;
      const asksAboutEmail = /no longer have access/i.test(JSON.stringify(request.body.messages.at(-1)));
      return {
        toolUse: {
          name: 'submit_answer',
          input: {
            outcome: 'answered',
            answer: /every step/i.test(JSON.stringify(request.body.messages.at(-1)))
              ? EVERY_STEP
              : asksAboutEmail
                ? 'Contact support with your order number so we can verify you and change the address.'
                : 'Open Settings → Security and choose "Reset password"; the emailed link is valid for 30 minutes.',
            source_document_ids: [documentId],
            language: 'en',
          },
        },
      };
    });
  });

  it('sends the relevant passage in a cached prefix, posts the model’s answer, and carries the previous turn into a follow-up', async () => {
    const first = stack.say(stack.alice, `${stack.mention()} how do I reset my password?`);
    const reply = await stack.replyTo(first.id);
    expect(reply.content).toContain('valid for 30 minutes');
    expect(reply.content).toContain('Password reset');

    const firstRequest = stack.anthropic!.requests.filter(isAnswerRequest).at(-1)!;
    expect(promptText(firstRequest)).toContain('We send a reset link to the email address on your account');
    expect(JSON.stringify(firstRequest.body.system)).toContain('"cache_control"');

    const followUp = stack.say(
      stack.alice,
      `${stack.mention()} and if I no longer have access to that email?`,
    );
    const followUpReply = await stack.replyTo(followUp.id);
    expect(followUpReply.content).toContain('order number');
    const followUpRequest = stack.anthropic!.requests.filter(isAnswerRequest).at(-1)!;
    const turns = JSON.stringify(followUpRequest.body.messages);
    expect(turns).toContain('how do I reset my password?');
    expect(turns).toContain('valid for 30 minutes');
  });

  it('answers exactly once when the answer service is killed between the question and the reply', async () => {
    let modelCalls = 0;
    stack.anthropic!.respondWith((request) => {
      if (!isAnswerRequest(request)) return undefined;
      modelCalls++;
      return {
        // The first call hangs long enough for the service to be killed while it waits.
        delayMs: modelCalls === 1 ? 3_000 : 0,
        toolUse: {
          name: 'submit_answer',
          input: {
            outcome: 'answered',
            answer: 'Use Settings → Security → Reset password.',
            source_document_ids: [documentId],
            language: 'en',
          },
        },
      };
    });
    const answer = stack.service('answer');
    const question = stack.say(stack.bob, `${stack.mention()} where do I reset my password?`);
    await (async () => {
      while (modelCalls === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    })();
    answer.kill('SIGKILL');
    await answer.exited;
    expect(stack.repliesTo(question.id)).toHaveLength(0);

    await answer.restart();
    // JetStream redelivers the unacknowledged request once its ack wait has passed.
    const reply = await stack.replyTo(question.id, 60_000);
    expect(reply.content).toContain('Reset password');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(stack.repliesTo(question.id)).toHaveLength(1);
  }, 120_000);

  describe('in a server that answers in threads', () => {
    /** Answers in threads are for all-messages mode; a mention is answered in place. */
    beforeAll(async () => {
      const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'e2e-threads' });
      try {
        await stack.configureGuild(bus, {
          guildId: stack.guild.id,
          tenantId: stack.tenantId,
          settings: { responseMode: 'all', smartMode: false, replyInThread: true },
        });
      } finally {
        await bus.drain();
      }
    });

    it('posts a three-message answer whole and in order in the thread it opens on the question', async () => {
      const question = stack.say(stack.alice, 'Could you walk me through every step of the reset?');
      // A thread started from a message has the message's id.
      const inThread = await waitFor(
        () => {
          const posted = stack.botMessages(question.id);
          return posted.some((message) => message.content.includes('Sources')) ? posted : undefined;
        },
        { timeoutMs: 15_000, message: 'the whole answer in the thread' },
      );
      const steps = inThread.flatMap((message) =>
        [...message.content.matchAll(/Step (\d+) /g)].map((m) => Number(m[1])),
      );
      expect(steps).toEqual(Array.from({ length: 90 }, (_, n) => n + 1));
      expect(inThread).toHaveLength(3);
      expect(inThread.at(-1)!.content).toContain('Password reset');
    });

    it('reads a follow-up in the thread it opened with the question that opened it', async () => {
      const question = stack.say(stack.bob, 'How do I reset my password?');
      await waitFor(
        () => stack.botMessages(question.id).find((message) => message.content.includes('Sources')),
        {
          timeoutMs: 15_000,
          message: 'the answer in the thread opened on the question',
        },
      );

      const followUp = stack.say(stack.bob, 'And if I no longer have access to that email?', {
        channelId: question.id,
      });
      const reply = await stack.replyTo(followUp.id, 15_000, question.id);
      expect(reply.content).toContain('order number');
      const followUpRequest = stack.anthropic!.requests.filter(isAnswerRequest).at(-1)!;
      const turns = JSON.stringify(followUpRequest.body.messages);
      expect(turns).toContain('How do I reset my password?');
      expect(turns).toContain('valid for 30 minutes');
    });
  });
});
