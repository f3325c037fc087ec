/**
 * Live monitoring, human takeover, escalation and answer feedback end to end: the Discord
 * sandbox and an SMTP sink in this process; gateway, router, answer, egress, metering, takeover,
 * admin-api and interactions as real processes; the agent works through the admin API, members
 * through Discord.
 */
import { ESCALATION_TEXT } from '@steward/ai';
import { Bus } from '@steward/bus';
import { startSmtpSink, type SmtpSink } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { PASSWORD_RESET, REFUNDS } from '../src/knowledge.js';
import { Stack, type Member } from '../src/stack.js';

/** Long enough that a slow machine cannot hand the conversation back before the agent speaks. */
const WINDOW_MS = 8_000;
/** Gives a message time to be (wrongly) answered before asserting that it was not. */
const settle = (ms = 2_000) => new Promise((resolve) => setTimeout(resolve, ms));

interface LiveEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** The dashboard's live feed: Server-Sent Events read with fetch. */
async function openLiveFeed(stack: Stack, lastEventId?: string) {
  const events: LiveEvent[] = [];
  const abort = new AbortController();
  const response = await fetch(`${stack.adminUrl}/api/v1/live`, {
    headers: {
      authorization: `Bearer ${stack.apiKey}`,
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    signal: abort.signal,
  });
  if (response.status !== 200) throw new Error(`GET /live answered ${response.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const fields = Object.fromEntries(
            buffer
              .slice(0, end)
              .split('\n')
              .map((line) => /^(id|event|data): ?(.*)$/.exec(line))
              .filter((match) => match !== null)
              .map((match) => [match[1], match[2]]),
          );
          buffer = buffer.slice(end + 2);
          if (fields.event)
            events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // closed
    }
  })();
  return { events, close: () => abort.abort() };
}

describe('live monitoring, takeover and escalation', () => {
  let stack: Stack;
  let sink: SmtpSink;
  let bus: Bus;
  let sam: Member;
  let staffRoleId: string;
  let feed: Awaited<ReturnType<typeof openLiveFeed>>;

  const conversationOf = (member: Member) => `${stack.guild.id}:${stack.channelId}:${member.id}`;
  const conversation = async (member: Member) =>
    (
      await stack.api<{
        state: string;
        turns: Array<{
          role: string;
          content: string;
          delivery?: string | null;
          deliveryError?: string | null;
        }>;
      }>('GET', `/conversations/${conversationOf(member)}`)
    ).body;

  beforeAll(async () => {
    sink = await startSmtpSink();
    stack = await Stack.start({
      services: [
        'egress',
        'answer',
        'router',
        'metering',
        'takeover',
        'admin-api',
        'gateway',
        'interactions',
      ],
      extraEnv: {
        SMTP_URL: sink.url,
        TAKEOVER_WINDOW_MS: String(WINDOW_MS),
        TAKEOVER_SWEEP_INTERVAL_MS: '200',
        TAKEOVER_EMAIL_RETRY_MS: '500',
        STEWARD_PUBLIC_URL: 'https://steward.example.com',
      },
    });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'e2e-takeover' });
    sam = stack.member('sam');
    staffRoleId = stack.discord.createRole({ guildId: stack.guild.id, name: 'Support team' }).id;
    stack.discord.setMemberRoles({ guildId: stack.guild.id, userId: sam.id, roles: [staffRoleId] });
    await stack.configureGuild(bus, {
      guildId: stack.guild.id,
      tenantId: stack.tenantId,
      settings: { staffRoleIds: [staffRoleId], notificationEmails: ['support@acme.test'] },
    });
    await stack.addKnowledge(PASSWORD_RESET.title, PASSWORD_RESET.content);
    await stack.addKnowledge(REFUNDS.title, REFUNDS.content);
    feed = await openLiveFeed(stack);
  }, 180_000);

  afterAll(async () => {
    feed?.close();
    await bus?.drain();
    await stack?.stop();
    await sink?.close();
  });

  it('an agent takes over: the AI stays silent, the agent speaks as the bot, and the AI resumes after the window', async () => {
    const { alice } = stack;
    const first = stack.say(alice, `${stack.mention()} How do I reset my password?`);
    await stack.replyTo(first.id, 15_000);
    await waitFor(
      () => feed.events.some((e) => e.event === 'turn' && e.data.conversationId === conversationOf(alice)),
      {
        timeoutMs: 10_000,
        message: 'the turn on the live feed',
      },
    );
    // The feed comes straight from the turn; the takeover service records the conversation on
    // its own consumer, and only a recorded conversation can be taken over.
    await waitFor(async () => (await conversation(alice)).turns?.some((t) => t.role === 'bot'), {
      message: 'the conversation recorded with its bot turn',
    });

    const taken = await stack.api('POST', `/conversations/${conversationOf(alice)}/takeover`);
    expect(taken.status).toBe(200);
    const silenced = stack.say(alice, `${stack.mention()} Can I get a refund after two weeks?`);
    await settle();
    expect(stack.repliesTo(silenced.id)).toHaveLength(0);

    const sent = await stack.api('POST', `/conversations/${conversationOf(alice)}/messages`, {
      content: 'Hi Alice, this is Dana from support: yes, within 30 days.',
    });
    expect(sent.status).toBe(201);
    await waitFor(
      () =>
        stack
          .botMessages()
          .some((m) => m.content === 'Hi Alice, this is Dana from support: yes, within 30 days.'),
      { timeoutMs: 10_000, message: "the agent's message in Discord" },
    );
    const transcript = await waitFor(async () => {
      const detail = await conversation(alice);
      return detail.turns.some((t) => t.content === 'Can I get a refund after two weeks?')
        ? detail.turns
        : undefined;
    });
    expect(transcript.map((t) => t.role)).toEqual(['member', 'bot', 'member', 'agent']);
    // Egress reports that Discord took it: the transcript and the live feed say so.
    await waitFor(
      async () => (await conversation(alice)).turns.find((t) => t.role === 'agent')?.delivery === 'sent',
      {
        message: "the agent's message shown as delivered",
      },
    );
    await waitFor(
      () =>
        feed.events.some(
          (e) =>
            e.event === 'delivery' &&
            e.data.conversationId === conversationOf(alice) &&
            e.data.delivered === true,
        ),
      { message: 'the delivery on the live feed' },
    );

    // Discord refuses the next one (the bot lost Send Messages in the channel): the agent is told why.
    stack.discord.failNext({
      method: 'POST',
      route: '/channels/:channelId/messages',
      status: 403,
      code: 50013,
      message: 'Missing Permissions',
    });
    const refused = await stack.api('POST', `/conversations/${conversationOf(alice)}/messages`, {
      content: 'Are you still there, Alice?',
    });
    expect(refused.status).toBe(201);
    const failed = await waitFor(
      async () =>
        (await conversation(alice)).turns.find(
          (t) => t.content === 'Are you still there, Alice?' && t.delivery === 'failed',
        ),
      { timeoutMs: 10_000, message: 'the refused message shown as not delivered' },
    );
    expect(failed.deliveryError).toBe('missing permission: the bot cannot send messages in this channel (Discord 50013)');
    expect(stack.botMessages().some((m) => m.content === 'Are you still there, Alice?')).toBe(false);

    // The agent goes quiet: after the window the feed says so and the AI answers again.
    await waitFor(
      () => feed.events.some((e) => e.event === 'resumed' && e.data.conversationId === conversationOf(alice)),
      { timeoutMs: WINDOW_MS + 5_000, message: 'resumed on the live feed' },
    );
    // The sweeper announces the hand-back before it commits it (so it is never lost).
    await waitFor(async () => (await conversation(alice)).state === 'ai', {
      message: 'the conversation back with the AI',
    });
    const again = stack.say(alice, `${stack.mention()} How do I reset my password?`);
    await stack.replyTo(again.id, 15_000);
    expect(feed.events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['turn', 'takeover', 'message', 'delivery', 'resumed']),
    );
  });

  it('a member asking for a person in Russian or English is told so, flagged, and the team is e-mailed the transcript', async () => {
    const cases = [
      { member: stack.member('boris'), text: 'Я хочу поговорить с человеком', language: 'ru' as const },
      { member: stack.member('carol'), text: 'I want to talk to a human please', language: 'en' as const },
    ];
    for (const { member, text, language } of cases) {
      const asked = stack.say(member, `${stack.mention()} ${text}`);
      const told = await stack.replyTo(asked.id, 15_000);
      expect(told.content).toContain(ESCALATION_TEXT[language]);

      const mail = await sink.waitForMessage((m) => m.subject.includes(member.username), 15_000);
      expect(mail.to).toEqual(['support@acme.test']);
      expect(mail.text).toContain(`"${text}"`);
      expect(mail.text).toContain(`https://steward.example.com/live?conversation=${conversationOf(member)}`);
      expect(mail.text).toContain(`${member.username}: ${text}`);
      await waitFor(async () => (await conversation(member)).state === 'escalated', {
        message: 'state escalated',
      });
      expect(
        feed.events.some((e) => e.event === 'escalated' && e.data.conversationId === conversationOf(member)),
      ).toBe(true);
    }
  });

  it("a staff member's reply in Discord pauses the AI in that member's conversation", async () => {
    const dave = stack.member('dave');
    const question = stack.say(dave, `${stack.mention()} How do I reset my password?`);
    await stack.replyTo(question.id, 15_000);
    // No pause between the two: the router handles a channel's messages in order.
    stack.say(sam, 'Hi Dave, I will walk you through it.', { replyTo: question.id });
    const followUp = stack.say(dave, `${stack.mention()} Thanks, and can I get a refund after two weeks?`);
    await settle();
    expect(stack.repliesTo(followUp.id)).toHaveLength(0);
  });

  it('members rate an answer with its buttons: each is thanked in private, and the votes show beside it in the conversation', async () => {
    const erin = stack.member('erin');
    const question = stack.say(erin, `${stack.mention()} How do I reset my password?`);
    const answer = await stack.replyTo(question.id, 15_000);
    const [row] = (answer.components ?? []) as Array<{
      components: Array<{ label: string; custom_id: string }>;
    }>;
    expect(row!.components.map((button) => button.label)).toEqual(['Helpful', 'Not helpful']);
    const customIdOf = (index: number) => row!.components[index]!.custom_id;

    const press = async (member: Member, customId: string) => {
      const delivery = await stack.discord.pressButton({
        applicationId: stack.app.id,
        guildId: stack.guild.id,
        channelId: stack.channelId,
        messageId: answer.id,
        userId: member.id,
        customId,
      });
      // Over the gateway: the interactions service answers through egress, in private.
      return waitFor(
        () =>
          stack.botMessages().find((message) => message.interaction_metadata?.id === delivery.interactionId),
        { timeoutMs: 10_000, message: 'the thanks for the vote' },
      );
    };
    const thanks = await press(erin, customIdOf(0));
    expect(thanks.content).toBe('Thanks for the feedback! It helps the team improve the answers.');
    expect(thanks.flags! & 64).toBe(64);
    await press(sam, customIdOf(0));
    await press(sam, customIdOf(1));

    // Erin still finds it helpful; Sam changed his mind.
    await waitFor(
      async () => {
        const bot = (await conversation(erin)).turns?.find((turn) => turn.role === 'bot') as
          { feedback?: { helpful: number; notHelpful: number } | null } | undefined;
        return bot?.feedback?.helpful === 1 && bot.feedback.notHelpful === 1;
      },
      { timeoutMs: 10_000, message: 'one helpful and one unhelpful vote on the answer' },
    );
  });

  it('a conversation the bot moved into a thread is taken over in that thread', async () => {
    await stack.configureGuild(bus, {
      guildId: stack.guild.id,
      tenantId: stack.tenantId,
      settings: {
        staffRoleIds: [staffRoleId],
        notificationEmails: ['support@acme.test'],
        responseMode: 'all',
        smartMode: false,
        replyInThread: true,
      },
    });
    const fay = stack.member('fay');
    const question = stack.say(fay, 'How do I reset my password?');
    // A thread started from a message has the message's id.
    const threadId = question.id;
    await waitFor(() => stack.botMessages(threadId).length > 0, {
      timeoutMs: 15_000,
      message: 'the answer in the thread opened on the question',
    });
    const inThread = `${stack.guild.id}:${threadId}:${fay.id}`;
    const recorded = await waitFor(
      async () => {
        const found = await stack.api<{ turns?: Array<{ role: string; content: string }> }>(
          'GET',
          `/conversations/${inThread}`,
        );
        return found.body.turns?.some((turn) => turn.role === 'bot') ? found.body.turns : undefined;
      },
      { message: 'the conversation recorded in the thread' },
    );
    expect(recorded[0]).toMatchObject({ role: 'member', content: 'How do I reset my password?' });

    expect((await stack.api('POST', `/conversations/${inThread}/takeover`)).status).toBe(200);
    const followUp = stack.say(fay, 'And if I no longer have that email?', { channelId: threadId });
    await settle();
    expect(stack.repliesTo(followUp.id, threadId)).toHaveLength(0);

    const agentText = 'Hi Fay, Dana here: send us your order number and we move the account.';
    expect(
      (await stack.api('POST', `/conversations/${inThread}/messages`, { content: agentText })).status,
    ).toBe(201);
    await waitFor(() => stack.botMessages(threadId).some((message) => message.content === agentText), {
      timeoutMs: 10_000,
      message: "the agent's message in the thread",
    });
  });
});
