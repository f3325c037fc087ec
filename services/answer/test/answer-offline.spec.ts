import { RpcError } from '@steward/bus';
import {
  AnswerOrigin,
  AnswerOutcome,
  create,
  InteractionTargetSchema,
  Rpc,
  Streams,
} from '@steward/contracts';
import { waitFor } from '@steward/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnswerHarness, APPLICATION_ID, AUTHOR_ID, CHANNEL_ID, contentOf, GUILD_ID } from './harness.js';

const TENANT = 'tenant-offline';
const OTHER_TENANT = 'tenant-other';

const PASSWORDS = `# Resetting your password
To reset your password, open Settings and choose Forgot password. We send a reset link to the email address on your account. The link expires after 24 hours.

# Changing your email address
You can change your email address under Settings, Profile. We confirm the new address before we use it.`;

const REFUNDS = `We refund purchases within 30 days of delivery.

## Asking for a refund
To request a refund, open Orders, pick the order and press Request refund. The amount is returned to the original payment method within five business days.`;

const DELIVERY_RU = `# Сроки доставки
Доставка по России занимает от трёх до семи рабочих дней. Номер для отслеживания посылки приходит на электронную почту после отправки заказа.`;

const PASSWORD_TR = `# Şifre sıfırlama
Şifrenizi sıfırlamak için Ayarlar sayfasını açın ve Şifremi unuttum bağlantısına tıklayın. Size bir sıfırlama bağlantısı içeren bir e-posta göndereceğiz.`;

describe('answer service with the offline engine', () => {
  let harness: AnswerHarness;
  const documents: Record<string, string> = {};

  beforeAll(async () => {
    harness = await AnswerHarness.start();
    await harness.subscribe(TENANT, 'pro');
    documents.passwords = await harness.addDocument(TENANT, 'Passwords', PASSWORDS);
    documents.refunds = await harness.addDocument(TENANT, 'Refunds', REFUNDS);
    documents.delivery = await harness.addDocument(TENANT, 'Доставка', DELIVERY_RU);
    documents.sifre = await harness.addDocument(TENANT, 'Şifre', PASSWORD_TR);
  }, 30_000);

  afterAll(async () => {
    await harness?.stop();
  });

  it('indexes a Markdown document added by RPC and hides it from other tenants', async () => {
    const view = await harness.client.requestJson<{ status: string; language: string; chunkCount: number }>(
      Rpc.knowledgeGet.subject,
      { tenantId: TENANT, id: documents.passwords },
    );
    expect(view).toMatchObject({ status: 'indexed', language: 'en', chunkCount: 2 });

    const other = harness.client.requestJson(Rpc.knowledgeGet.subject, {
      tenantId: OTHER_TENANT,
      id: documents.passwords,
    });
    await expect(other).rejects.toThrow(RpcError);
    await expect(other).rejects.toMatchObject({ code: 'not_found' });

    const list = await harness.client.requestJson<{ documents: { title: string }[] }>(
      Rpc.knowledgeList.subject,
      {
        tenantId: OTHER_TENANT,
      },
    );
    expect(list.documents).toEqual([]);

    await expect(
      harness.client.requestJson(Rpc.knowledgeAdd.subject, { tenantId: TENANT, title: '  ', content: 'x' }),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('title must not be empty'),
    });
  });

  it('replies to the mention with the answer from the knowledge base and its source, without a typing indicator for a quick answer', async () => {
    const request = await harness.ask(TENANT, 'how do I reset my password?');
    const [reply, ...more] = await harness.replyFor(request.requestId);
    expect(more).toEqual([]);

    expect(reply!.subject).toBe(`discord.cmd.${APPLICATION_ID}.send`);
    expect(reply!.command.commandId).toBe(`reply:${request.requestId}:1`);
    expect(reply!.command.action).toMatchObject({
      case: 'sendMessage',
      value: {
        channelId: CHANNEL_ID,
        replyToMessageId: request.messageId,
        mentionUserIds: [],
        // A member's vote on the answer comes back through these.
        buttons: [
          { customId: `feedback:up:${request.requestId}`, label: 'Helpful', emoji: '👍' },
          { customId: `feedback:down:${request.requestId}`, label: 'Not helpful', emoji: '👎' },
        ],
      },
    });
    const content = contentOf(reply!.command);
    expect(content).toContain('open Settings and choose Forgot password');
    expect(content.split('\n').at(-1)).toBe('-# Sources: Passwords');

    const commands = harness.commandsFor(request.requestId).map(({ command }) => command.commandId);
    // Nobody would see "typing…" before an answer this quick; it would only spend rate limit.
    expect(commands).toEqual([`reply:${request.requestId}:1`]);

    const turn = await harness.turnFor(request.requestId);
    expect(turn).toMatchObject({
      outcome: AnswerOutcome.ANSWERED,
      engine: 'offline',
      language: 'en',
      question: 'how do I reset my password?',
      answer: expect.stringContaining('Forgot password'),
      replyCommandId: `reply:${request.requestId}:1`,
      sources: [expect.objectContaining({ documentId: documents.passwords, title: 'Passwords' })],
    });
  });

  it('answers a Russian question from the Russian document and a Turkish one from the Turkish document', async () => {
    const russian = await harness.ask(TENANT, 'Сколько времени занимает доставка?', { locale: 'ru' });
    const turkish = await harness.ask(TENANT, 'Şifremi nasıl sıfırlarım?', { locale: 'tr' });

    const [russianReply] = await harness.replyFor(russian.requestId);
    expect(contentOf(russianReply!.command)).toContain(
      'Доставка по России занимает от трёх до семи рабочих дней',
    );
    expect(contentOf(russianReply!.command)).toMatch(/-# Источники: Доставка$/);
    expect((await harness.turnFor(russian.requestId)).language).toBe('ru');

    const [turkishReply] = await harness.replyFor(turkish.requestId);
    expect(contentOf(turkishReply!.command)).toContain('Şifrenizi sıfırlamak için Ayarlar sayfasını açın');
    expect(contentOf(turkishReply!.command)).toMatch(/-# Kaynaklar: Şifre$/);
  });

  it('finds passages for misspelt words through trigram similarity', async () => {
    // No stem of "pasword" or "adress" is in any document: only the trigram search finds them.
    const { passages } = await harness.client.requestJson<{ passages: { title: string; content: string }[] }>(
      Rpc.knowledgeSearch.subject,
      { tenantId: TENANT, query: 'pasword adress', limit: 3 },
    );
    expect(passages[0]).toMatchObject({ title: 'Passwords' });
    expect(passages.map((passage) => passage.content).join('\n')).toMatch(/email address/);
  });

  it('finds the passage for a misspelt word when the rest of the question matches another passage', async () => {
    // "change" finds the email passage by full text; "pasword" is in no chunk, so it is searched by trigrams.
    const { passages } = await harness.client.requestJson<{ passages: { content: string }[] }>(
      Rpc.knowledgeSearch.subject,
      { tenantId: TENANT, query: 'how do I change my old pasword', limit: 3 },
    );
    expect(passages.map((passage) => passage.content).join('\n')).toMatch(/Forgot password/);
  });

  it('finds passages for a long question whose every word is misspelt', async () => {
    // More words than a short query: the trigram search runs because the full text found nothing.
    const { passages } = await harness.client.requestJson<{ passages: { title: string }[] }>(
      Rpc.knowledgeSearch.subject,
      { tenantId: TENANT, query: 'pleese halp me chnage my pasword adress', limit: 3 },
    );
    expect(passages[0]).toMatchObject({ title: 'Passwords' });
  });

  it("matches misspelt words only against the tenant's own documents, and not after one is deleted", async () => {
    const tenant = 'tenant-vocabulary';
    const search = async (query: string) =>
      (
        await harness.client.requestJson<{ passages: { title: string }[] }>(Rpc.knowledgeSearch.subject, {
          tenantId: tenant,
          query,
          limit: 3,
        })
      ).passages.map((passage) => passage.title);
    const warranty = await harness.addDocument(
      tenant,
      'Warranty',
      'Every device carries a two-year warranty. Repairs under warranty are free of charge.',
    );
    await harness.addDocument(
      tenant,
      'Opening hours',
      'The shop opens at nine and closes at six, Monday to Saturday.',
    );

    expect(await search('waranty')).toEqual(['Warranty']);
    // "pasword" resembles a word of another tenant's document only.
    expect(await search('pasword')).toEqual([]);

    await harness.client.requestJson(Rpc.knowledgeDelete.subject, { tenantId: tenant, id: warranty });
    expect(await search('waranty')).toEqual([]);
    // Its words went with it: none is left to match a later question.
    const left = await harness.database.query<{ words: number }>(
      'SELECT count(*)::int AS words FROM answer.chunk_words WHERE tenant_id = $1 AND word = $2',
      [tenant, 'warranty'],
    );
    expect(left).toEqual([{ words: 0 }]);
  });

  it('indexes every document added the moment the one before it is indexed', async () => {
    // The indexer still has work to do after a document shows as indexed (it merges the
    // document's index entries, for tens of milliseconds for a large document); a document
    // added meanwhile must not wait for a later one to be indexed.
    const tenant = 'tenant-one-after-another';
    const sections = Array.from({ length: 200 }, (_, section) =>
      [`## Part ${section}`, ...Array.from({ length: 60 }, (_, word) => `term${section}x${word}`)].join('\n'),
    );
    await harness.addDocument(tenant, 'Glossary', sections.join('\n\n'));
    for (let n = 0; n < 10; n++) {
      const { id } = await harness.client.requestJson<{ id: string }>(Rpc.knowledgeAdd.subject, {
        tenantId: tenant,
        title: `Article ${n}`,
        content: `Article number ${n} explains one more thing about the shop.`,
      });
      await waitFor(
        async () =>
          (
            await harness.client.requestJson<{ status: string }>(Rpc.knowledgeGet.subject, {
              tenantId: tenant,
              id,
            })
          ).status === 'indexed',
        { timeoutMs: 3_000, intervalMs: 5, message: `article ${n} indexed` },
      );
    }
  });

  it('answers from a document in a new language as soon as it is indexed', async () => {
    const tenant = 'tenant-languages';
    await harness.subscribe(tenant, 'pro');
    await harness.addDocument(tenant, 'Passwords', PASSWORDS);
    const german = 'Wie kann ich mein Konto kündigen?';
    // Asked first, while the knowledge base is English only.
    const before = await harness.ask(tenant, german, { locale: 'de' });
    await harness.replyFor(before.requestId);
    await harness.addDocument(
      tenant,
      'Kündigung',
      '# Konto kündigen\nUm Ihr Konto zu kündigen, öffnen Sie Einstellungen und wählen Sie Konto löschen.',
    );
    const after = await harness.ask(tenant, german, { locale: 'de' });
    const [reply] = await harness.replyFor(after.requestId);
    expect(contentOf(reply!.command)).toContain('öffnen Sie Einstellungen und wählen Sie Konto löschen');
  });

  it('finds a paraphrase: "money back" is answered from the document titled Refunds', async () => {
    const request = await harness.ask(TENANT, 'Can I get my money back?');
    const [reply] = await harness.replyFor(request.requestId);
    expect(contentOf(reply!.command)).toMatch(/refund/i);
    expect(contentOf(reply!.command)).toMatch(/-# Sources: Refunds$/);
  });

  it('says honestly that it does not know, and records the question as unanswered', async () => {
    const question = 'Is there a smartwatch app with offline maps?';
    const request = await harness.ask(TENANT, question);
    const [reply] = await harness.replyFor(request.requestId);
    expect(contentOf(reply!.command)).toBe(
      "I don't have that in my knowledge base, so I won't guess. I've noted the question, and someone from the team can pick it up here.",
    );
    // Nothing to vote on.
    expect(reply!.command.action).toMatchObject({ case: 'sendMessage', value: { buttons: [] } });
    expect((await harness.turnFor(request.requestId)).outcome).toBe(AnswerOutcome.NO_ANSWER);

    const { questions } = await harness.client.requestJson<{
      questions: { question: string; channelId: string }[];
    }>('rpc.answer.unanswered.list', { tenantId: TENANT });
    expect(questions).toEqual([expect.objectContaining({ question, channelId: CHANNEL_ID })]);
    const other = await harness.client.requestJson<{ questions: unknown[] }>('rpc.answer.unanswered.list', {
      tenantId: OTHER_TENANT,
    });
    expect(other.questions).toEqual([]);
  });

  it('invites a bare mention to ask, in the member’s locale', async () => {
    const request = await harness.ask(TENANT, '', { locale: 'de' });
    const [reply] = await harness.replyFor(request.requestId);
    expect(contentOf(reply!.command)).toBe(
      'Hallo! Stell mir eine Frage, ich antworte aus unserer Dokumentation.',
    );
  });

  it('answers /ask by editing the deferred interaction response, without a typing indicator', async () => {
    const request = await harness.ask(TENANT, 'how do I reset my password?', {
      origin: AnswerOrigin.SLASH_COMMAND,
      messageId: '',
      interaction: create(InteractionTargetSchema, {
        interactionId: '950000000000000001',
        token: 'interaction-token',
      }),
    });
    const replies = await harness.replyFor(request.requestId);
    expect(replies.map(({ subject }) => subject)).toEqual([`discord.cmd.${APPLICATION_ID}.edit-original`]);
    expect(replies[0]!.command.action).toMatchObject({
      case: 'editOriginalResponse',
      value: { token: 'interaction-token', content: expect.stringContaining('Forgot password') },
    });
    expect(harness.commandsFor(request.requestId)).toHaveLength(1);
  });

  it('opens a thread on the question when the guild answers in threads', async () => {
    const request = await harness.ask(TENANT, 'how do I reset my password?', { replyInThread: true });
    const [reply] = await harness.replyFor(request.requestId);
    expect(reply!.subject).toBe(`discord.cmd.${APPLICATION_ID}.thread`);
    expect(reply!.command.action).toMatchObject({
      case: 'startThread',
      value: {
        channelId: CHANNEL_ID,
        messageId: request.messageId,
        name: 'how do I reset my password?',
        firstMessage: { content: expect.stringContaining('Forgot password') },
      },
    });
    // The conversation goes on in the thread: the member's follow-ups there are read with it.
    expect(await harness.turnFor(request.requestId)).toMatchObject({
      channelId: request.messageId,
      conversationId: `${GUILD_ID}:${request.messageId}:${AUTHOR_ID}`,
    });
  });

  it('replies once to a request delivered twice', async () => {
    const first = await harness.ask(TENANT, 'how long is the reset link valid?', {}, 'delivery-1');
    await harness.ask(
      TENANT,
      first.question,
      { requestId: first.requestId, messageId: first.messageId },
      'delivery-2',
    );
    await harness.turnFor(first.requestId);
    // Both deliveries settled: nothing pending or unacknowledged on the service's consumer.
    await waitFor(
      async () => {
        const info = await harness.client.jsm.consumers.info(Streams.facts.name, 'answer');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= 2;
      },
      { timeoutMs: 10_000, message: 'both deliveries settled' },
    );
    await sleep(200);
    const replies = harness
      .commandsFor(first.requestId)
      .filter(({ command }) => command.commandId.startsWith('reply:'));
    expect(replies).toHaveLength(1);
    expect(harness.turns.filter((turn) => turn.turnId === first.requestId)).toHaveLength(1);
  });
});
