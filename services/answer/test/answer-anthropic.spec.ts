import { startAnthropicSandbox, type AnthropicSandbox, type RecordedRequest } from '@steward/sandbox';
import { AnswerOrigin, AnswerOutcome, Streams } from '@steward/contracts';
import { waitFor } from '@steward/testing';
import { AnswerHarness, contentOf, messagesOf } from './harness.js';

const TENANT = 'tenant-anthropic';

const PASSWORDS = `# Resetting your password
To reset your password, open Settings and choose Forgot password. We send a reset link to the email address on your account.

# Lost access to your email
If you no longer have access to that email address, write to support@example.com from any address with your order number, and we move the account to a new address.`;

function toolOf(request: RecordedRequest): string | undefined {
  const choice = request.body.tool_choice;
  return choice?.type === 'tool' ? choice.name : undefined;
}

function systemText(request: RecordedRequest): string {
  const system = request.body.system;
  return typeof system === 'string' ? system : (system ?? []).map((block) => block.text).join('\n');
}

describe('answer service with the Anthropic engine', () => {
  let sandbox: AnthropicSandbox;
  let harness: AnswerHarness;
  let documentId: string;
  const scriptedAnswers: string[] = [];
  let modelDelayMs = 0;

  beforeAll(async () => {
    sandbox = await startAnthropicSandbox();
    // The model's answer comes from the script; anything else gets the sandbox's default reply.
    sandbox.respondWith((request) => {
      if (toolOf(request) !== 'submit_answer') return undefined;
      const answer = scriptedAnswers.shift() ?? 'No script left.';
      return {
        ...(modelDelayMs > 0 ? { delayMs: modelDelayMs } : {}),
        toolUse: {
          name: 'submit_answer',
          input: { outcome: 'answered', answer, source_document_ids: [documentId], language: 'en' },
        },
      };
    });
    harness = await AnswerHarness.start({
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      ANTHROPIC_BASE_URL: sandbox.url,
    });
    await harness.subscribe(TENANT, 'pro');
    documentId = await harness.addDocument(TENANT, 'Account access', PASSWORDS);
  }, 30_000);

  afterAll(async () => {
    await harness?.stop();
    await sandbox?.close();
  });

  it('sends the knowledge as a cached prefix, the previous turn on a follow-up, and posts the model’s answer', async () => {
    scriptedAnswers.push(
      'Open **Settings** and choose **Forgot password**; the reset link goes to your account email.',
      'Write to support@example.com with your order number and we will move the account to a new address.',
    );
    const first = await harness.ask(TENANT, 'how do I reset my password?');
    const [firstReply] = await harness.replyFor(first.requestId);
    expect(contentOf(firstReply!.command)).toBe(
      'Open **Settings** and choose **Forgot password**; the reset link goes to your account email.\n-# Sources: Account access',
    );

    const firstCall = sandbox.requests.find((request) => toolOf(request) === 'submit_answer')!;
    expect(systemText(firstCall)).toContain(
      'To reset your password, open Settings and choose Forgot password.',
    );
    const system = firstCall.body.system;
    expect(Array.isArray(system) && system.some((block) => block.cache_control?.type === 'ephemeral')).toBe(
      true,
    );

    const followUp = await harness.ask(TENANT, 'and if I no longer have that email?');
    const [followUpReply] = await harness.replyFor(followUp.requestId);
    expect(contentOf(followUpReply!.command)).toContain('Write to support@example.com');

    const answerCalls = sandbox.requests.filter((request) => toolOf(request) === 'submit_answer');
    expect(answerCalls).toHaveLength(2);
    const [previousQuestion, previousAnswer] = answerCalls[1]!.body.messages;
    expect(previousQuestion).toMatchObject({ role: 'user', content: 'how do I reset my password?' });
    expect(previousAnswer).toMatchObject({
      role: 'assistant',
      content: expect.stringContaining('Open **Settings** and choose **Forgot password**'),
    });
    // The small knowledge base is the same cached prefix for both questions.
    expect(systemText(answerCalls[1]!)).toBe(systemText(answerCalls[0]!));

    const turn = await harness.turnFor(followUp.requestId);
    expect(turn).toMatchObject({ outcome: AnswerOutcome.ANSWERED, engine: 'anthropic' });
  });

  it('finishes the reply it decided when a step after posting it fails, without asking the model again', async () => {
    const question = 'where do I change my password?';
    scriptedAnswers.push('Settings, then Forgot password.', 'A different answer the member must never see.');
    const modelCalls = () =>
      sandbox.requests.filter(
        (request) => toolOf(request) === 'submit_answer' && JSON.stringify(request.body.messages.at(-1)).includes(question),
      );
    const jsm = harness.client.jsm;
    const { config: facts } = await jsm.streams.info(Streams.facts.name);
    modelDelayMs = 300;
    try {
      const request = await harness.ask(TENANT, question, { conversationId: 'decided-once' });
      // While the model thinks, the facts stream starts refusing messages this large: the reply
      // is posted, then publishing the conversation turn fails and the question is retried.
      await waitFor(() => modelCalls().length === 1);
      await jsm.streams.update(Streams.facts.name, { ...facts, max_msg_size: 256 });
      await waitFor(() => harness.commandsFor(request.requestId).some(({ command }) => command.commandId.startsWith('reply:')));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(harness.turns.some((turn) => turn.turnId === request.requestId)).toBe(false);
      await jsm.streams.update(Streams.facts.name, facts);

      const turn = await harness.turnFor(request.requestId, 15_000);
      expect(turn.answer).toBe('Settings, then Forgot password.');
      expect(modelCalls()).toHaveLength(1);
      const replies = harness
        .commandsFor(request.requestId)
        .filter(({ command }) => command.commandId.startsWith('reply:'))
        .map(({ command }) => contentOf(command));
      expect(replies).toEqual(['Settings, then Forgot password.\n-# Sources: Account access']);
    } finally {
      modelDelayMs = 0;
      scriptedAnswers.length = 0;
      await jsm.streams.update(Streams.facts.name, facts);
    }
  });

  it('shows "typing…" while a slow model answers, and before the reply', async () => {
    scriptedAnswers.push('Open Settings and choose Forgot password.');
    modelDelayMs = 1_500;
    try {
      const request = await harness.ask(TENANT, 'how do I reset my password?', { conversationId: 'slow-model' });
      await harness.replyFor(request.requestId);
      expect(harness.commandsFor(request.requestId).map(({ command }) => command.commandId)).toEqual([
        `typing:${request.requestId}`,
        `reply:${request.requestId}:1`,
      ]);
    } finally {
      modelDelayMs = 0;
    }
  });

  it('tells smart-mode triage how well the knowledge base matches the message, even when the whole of it is in the prompt', async () => {
    const triageScoreFor = async (message: string, conversationId: string) => {
      const request = await harness.ask(TENANT, message, {
        triage: true,
        origin: AnswerOrigin.ALL_MESSAGES,
        conversationId,
      });
      await harness.turnFor(request.requestId);
      const triage = sandbox.requests.filter(
        (call) => toolOf(call) === 'decide_reply' && JSON.stringify(call.body.messages).includes(message),
      );
      expect(triage).toHaveLength(1);
      const score = /retrieval score for it: (\d\.\d\d)/.exec(JSON.stringify(triage[0]!.body.messages));
      return Number(score![1]);
    };

    expect(await triageScoreFor('haha that football match last night was wild', 'triage-chat')).toBe(0);
    expect(await triageScoreFor('how do I reset my password?', 'triage-question')).toBeGreaterThan(0.2);
  });

  it('splits a 5,000-character answer at sentence boundaries into messages of at most 2,000 characters', async () => {
    const long = Array.from(
      { length: 90 },
      (_, n) => `Step ${n + 1} of the procedure is explained in this sentence.`,
    ).join(' ');
    expect(long.length).toBeGreaterThan(5_000);
    scriptedAnswers.push(long);
    const request = await harness.ask(TENANT, 'walk me through the whole password procedure', {
      conversationId: 'another-conversation',
    });
    await harness.turnFor(request.requestId);
    const replies = await waitFor(() => {
      const found = harness
        .commandsFor(request.requestId)
        .filter(({ command }) => command.commandId.startsWith('reply:'));
      return found.length > 0 ? found : undefined;
    });

    // One command, so that egress posts the three messages in order.
    expect(replies.map(({ command }) => command.commandId)).toEqual([`reply:${request.requestId}:1`]);
    const contents = messagesOf(replies[0]!.command);
    expect(contents).toHaveLength(3);
    for (const content of contents) expect(content.length).toBeLessThanOrEqual(2_000);
    expect(contents[0]).toMatch(/sentence\.$/);
    expect(contents[1]).toMatch(/^Step \d+ .*sentence\.$/s);
    expect(contents[2]).toMatch(/sentence\.\n-# Sources: Account access$/);
    expect(replies[0]!.command.action).toMatchObject({
      case: 'sendMessage',
      value: { replyToMessageId: request.messageId },
    });
  });
});
