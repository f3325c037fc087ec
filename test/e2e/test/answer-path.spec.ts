import { Bus } from '@steward/bus';
import { waitFor } from '@steward/testing';
import { Stack } from '../src/stack.js';
import { PASSWORD_RESET, REFUNDS, RUSSIAN_DELIVERY, TURKISH_INVOICE } from '../src/knowledge.js';

/** Gives a message time to be (wrongly) answered before asserting that it was not. */
const settle = (ms = 1_500) => new Promise((resolve) => setTimeout(resolve, ms));

describe('answer path: mention → gateway → router → answer → egress → Discord (offline engine)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start();
    for (const document of [PASSWORD_RESET, REFUNDS, RUSSIAN_DELIVERY, TURKISH_INVOICE]) {
      await stack.addKnowledge(document.title, document.content);
    }
  }, 180_000);

  afterAll(() => stack?.stop());

  it('replies to a mention in the same channel, referencing the question, with the answer and its source, in under 5 s', async () => {
    const started = Date.now();
    const question = stack.say(stack.alice, `${stack.mention()} how do I reset my password?`);
    const reply = await stack.replyTo(question.id, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(reply.channel_id).toBe(stack.channelId);
    expect(reply.content).toMatch(/reset link|Reset password/i);
    expect(reply.content).toContain('Password reset');
  });

  it('understands a follow-up from the same member', async () => {
    const first = stack.say(stack.bob, `${stack.mention()} how do I reset my password?`);
    await stack.replyTo(first.id);
    const followUp = stack.say(stack.bob, `${stack.mention()} and if I no longer have access to that email?`);
    const reply = await stack.replyTo(followUp.id);
    expect(reply.content).toMatch(/order number|verify your identity/i);
  });

  it('finds a paraphrase: "money back" is answered from the Refunds page', async () => {
    const question = stack.say(stack.alice, `${stack.mention()} can I get my money back?`);
    const reply = await stack.replyTo(question.id);
    expect(reply.content).toMatch(/14 days|Request refund/);
    expect(reply.content).toContain('Refunds');
  });

  it('answers a Russian question from the Russian document and a Turkish one from the Turkish document', async () => {
    const russian = stack.say(stack.alice, `${stack.mention()} Сколько времени занимает доставка?`);
    const turkish = stack.say(stack.bob, `${stack.mention()} Faturamı nereden indirebilirim?`);
    const [russianReply, turkishReply] = await Promise.all([stack.replyTo(russian.id), stack.replyTo(turkish.id)]);
    expect(russianReply.content).toMatch(/рабочих дней/);
    expect(russianReply.content).toContain('Доставка');
    expect(turkishReply.content).toMatch(/Siparişler/);
    expect(turkishReply.content).toContain('Fatura');
  });

  it('says honestly that it does not know, and records the question as unanswered', async () => {
    const question = stack.say(stack.alice, `${stack.mention()} what is the airspeed velocity of an unladen swallow?`);
    const reply = await stack.replyTo(question.id);
    expect(reply.content).not.toMatch(/Password reset|Refunds/);
    const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'e2e-unanswered' });
    try {
      const unanswered = await bus.requestJson<{ questions: Array<{ question: string }> }>('rpc.answer.unanswered.list', {
        tenantId: stack.tenantId,
      });
      expect(unanswered.questions.map((q) => q.question)).toContainEqual(expect.stringMatching(/unladen swallow/));
    } finally {
      await bus.drain();
    }
  });

  it('ignores messages without a mention, its own messages and other bots', async () => {
    const before = stack.botMessages().length;
    const plain = stack.say(stack.alice, 'how do I reset my password?');
    const fromBot = stack.say(stack.otherBot, `${stack.mention()} how do I reset my password?`);
    await settle();
    expect(stack.repliesTo(plain.id)).toHaveLength(0);
    expect(stack.repliesTo(fromBot.id)).toHaveLength(0);
    expect(stack.botMessages()).toHaveLength(before);
  });

  it('never pings @everyone, @here or roles, whatever the question says', async () => {
    const question = stack.say(stack.alice, `${stack.mention()} @everyone @here how do I reset my password?`);
    const reply = await stack.replyTo(question.id);
    expect(reply.mention_everyone).toBe(false);
    expect(reply.mention_roles).toEqual([]);
  });

  it('delivers every reply exactly once through rate limits (429) on message create', async () => {
    stack.discord.rateLimitNext({ method: 'POST', route: '/channels/:channelId/messages', count: 3, retryAfterSeconds: 1 });
    const questions = [1, 2, 3].map((n) => stack.say(stack.alice, `${stack.mention()} how do I reset my password? (${n})`));
    for (const question of questions) await stack.replyTo(question.id, 15_000);
    await settle();
    for (const question of questions) expect(stack.repliesTo(question.id)).toHaveLength(1);
  });

  it('resumes the shard after the gateway is killed and answers a message sent meanwhile exactly once', async () => {
    const gateway = stack.service('gateway');
    const identifiesBefore = stack.discord.counters(stack.app.id).identifies;
    gateway.kill('SIGKILL');
    await gateway.exited;
    const question = stack.say(stack.bob, `${stack.mention()} how do I reset my password? (asked while the bot was away)`);
    await gateway.restart();
    await stack.gatewayConnected();
    await stack.replyTo(question.id, 15_000);
    await waitFor(() => stack.discord.counters(stack.app.id).resumes > 0, { timeoutMs: 5_000 });
    expect(stack.discord.counters(stack.app.id).identifies).toBe(identifiesBefore);
    await settle();
    expect(stack.repliesTo(question.id)).toHaveLength(1);
  });
});
