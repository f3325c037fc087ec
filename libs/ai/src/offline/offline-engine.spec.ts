import { describe, expect, it } from '@jest/globals';
import type { AnswerInput, KnowledgePassage } from '../engine.js';
import { InvalidAiInputError } from '../input-validation.js';
import type { Language } from '../language/languages.js';
import { ESCALATION_TEXT, NO_ANSWER_TEXT } from '../phrases.js';
import { OfflineEngine } from './offline-engine.js';

const engine = new OfflineEngine();

const englishPassages: KnowledgePassage[] = [
  {
    documentId: 'doc-account',
    title: 'Your account',
    heading: 'Password',
    content:
      'Your account keeps your orders and saved addresses in one place. ' +
      'To reset your password, open Settings, choose Security and click "Send reset link"; the link is valid for 30 minutes. ' +
      'Two-factor authentication can be turned on in the same section.',
    score: 0.42,
    language: 'en',
  },
  {
    documentId: 'doc-refunds',
    title: 'Refunds',
    content:
      'We accept returns within 30 days of delivery. ' +
      'Refunds are paid back to the original payment method within 5 business days after the parcel reaches our warehouse.',
    score: 0.31,
    language: 'en',
  },
];

const russianPassages: KnowledgePassage[] = [
  {
    documentId: 'doc-delivery-ru',
    title: 'Доставка',
    content:
      'Мы отправляем заказы по всей России. ' +
      'Доставка курьером занимает от двух до пяти рабочих дней, а в Москве — один день. ' +
      'Стоимость доставки рассчитывается при оформлении заказа.',
    score: 0.5,
    language: 'ru',
  },
];

const turkishPassages: KnowledgePassage[] = [
  {
    documentId: 'doc-password-tr',
    title: 'Hesap güvenliği',
    content:
      'Hesabınızı korumak için güçlü bir şifre seçin. ' +
      'Şifrenizi sıfırlamak için Ayarlar > Güvenlik bölümüne gidin ve "Sıfırlama bağlantısı gönder" düğmesine tıklayın. ' +
      'Bağlantı e-posta adresinize gönderilir.',
    score: 0.4,
    language: 'tr',
  },
];

function input(
  question: string,
  language: Language,
  passages: KnowledgePassage[],
  extra: Partial<AnswerInput> = {},
): AnswerInput {
  return {
    question,
    language,
    passages,
    wholeKnowledgeBase: false,
    history: [],
    channelContext: [],
    ...extra,
  };
}

describe('OfflineEngine.answer', () => {
  it('quotes the English sentence that answers the question, with its source', async () => {
    const result = await engine.answer(input('how do I reset my password?', 'en', englishPassages));
    expect(result.kind).toBe('answered');
    expect(result.engine).toBe('offline');
    expect(result.text).toContain('To reset your password, open Settings, choose Security');
    expect(result.text).not.toContain('saved addresses');
    expect(result.sourceDocumentIds).toEqual(['doc-account']);
  });

  it('understands a paraphrase through the synonym table ("money back" → refunds)', async () => {
    const result = await engine.answer(input('can I get my money back?', 'en', englishPassages));
    expect(result.kind).toBe('answered');
    expect(result.text).toContain('Refunds are paid back to the original payment method');
    expect(result.sourceDocumentIds).toEqual(['doc-refunds']);
  });

  it('quotes a Russian passage for a Russian question, with a Russian lead-in', async () => {
    const result = await engine.answer(input('Сколько дней занимает доставка?', 'ru', russianPassages));
    expect(result.kind).toBe('answered');
    expect(result.text).toContain('Доставка курьером занимает от двух до пяти рабочих дней');
    expect(result.text).toMatch(/^Вот что сказано/);
    expect(result.sourceDocumentIds).toEqual(['doc-delivery-ru']);
  });

  it('quotes a Turkish passage for a Turkish question', async () => {
    const result = await engine.answer(input('Şifremi nasıl sıfırlarım?', 'tr', turkishPassages));
    expect(result.kind).toBe('answered');
    expect(result.text).toContain('Şifrenizi sıfırlamak için Ayarlar > Güvenlik bölümüne gidin');
    expect(result.sourceDocumentIds).toEqual(['doc-password-tr']);
  });

  it('answers a Russian question from English passages through translations', async () => {
    const result = await engine.answer(input('Как сбросить пароль?', 'ru', englishPassages));
    expect(result.kind).toBe('answered');
    expect(result.text).toContain('To reset your password');
  });

  it('says honestly that it does not know when no passage shares a meaningful term', async () => {
    const result = await engine.answer(input('Do you sell gift cards for birthdays?', 'en', englishPassages));
    expect(result).toEqual({
      kind: 'no_answer',
      text: NO_ANSWER_TEXT.en,
      sourceDocumentIds: [],
      engine: 'offline',
    });
    const russian = await engine.answer(input('Какая погода в Казани?', 'ru', russianPassages));
    expect(russian.kind).toBe('no_answer');
    expect(russian.text).toBe(NO_ANSWER_TEXT.ru);
  });

  it('does not quote retrieval hits below the score threshold', async () => {
    const weak = englishPassages.map((p) => ({ ...p, score: 0.01 }));
    expect((await engine.answer(input('how do I reset my password?', 'en', weak))).kind).toBe('no_answer');
    // The whole knowledge base carries no retrieval scores; all of it is read.
    const whole = await engine.answer(
      input('how do I reset my password?', 'en', weak, { wholeKnowledgeBase: true }),
    );
    expect(whole.kind).toBe('answered');
  });

  it('quotes a list with the sentence that introduces it, and skips heading lines', async () => {
    const returns: KnowledgePassage = {
      documentId: 'doc-returns',
      title: 'Returns',
      content:
        'Returns\nYou can send items back within 30 days. To start a return:\n1. Open your orders.\n2. Click "Return item".\n' +
        'Shipping back is free in the EU.',
      score: 0.4,
      language: 'en',
    };
    const result = await engine.answer(input('how do I send something back?', 'en', [returns]));
    expect(result.text).toBe(
      'Here is what our docs say:\n> You can send items back within 30 days.\n> To start a return:\n' +
        '> 1. Open your orders.\n> 2. Click "Return item".',
    );
  });

  it('escalates when the member asks for a person', async () => {
    const result = await engine.answer(
      input('Ich möchte mit einem Mitarbeiter sprechen', 'de', englishPassages),
    );
    expect(result).toEqual({
      kind: 'escalate',
      text: ESCALATION_TEXT.de,
      sourceDocumentIds: [],
      engine: 'offline',
    });
  });

  it('rejects malformed input with a clear error', async () => {
    await expect(engine.answer(input('  ', 'en', englishPassages))).rejects.toThrow(InvalidAiInputError);
    await expect(engine.answer(input('hi', 'pt' as Language, []))).rejects.toThrow(/language/);
  });
});

describe('OfflineEngine.triage', () => {
  const triage = (message: string, language: Language, bestPassageScore: number, staff = false) =>
    engine.triage({
      message,
      language,
      bestPassageScore,
      channelContext: staff
        ? [{ author: 'Mia (support)', content: 'Let me check that for you', isStaff: true }]
        : [],
    });

  it('replies to questions the knowledge base covers, in every language', async () => {
    for (const [message, language] of [
      ['how do I reset my password?', 'en'],
      ['Как сбросить пароль?', 'ru'],
      ['Wie kann ich mein Passwort zurücksetzen', 'de'],
      ['Comment réinitialiser mon mot de passe ?', 'fr'],
      ['Bagaimana cara mengatur ulang kata sandi saya', 'id'],
      ['Şifremi nasıl sıfırlarım', 'tr'],
    ] as [string, Language][]) {
      expect(await triage(message, language, 0.4)).toMatchObject({ reply: true, engine: 'offline' });
    }
  });

  it('replies to a member who is stuck even when nothing matched well', async () => {
    expect((await triage('the app shows an error when I pay, help', 'en', 0)).reply).toBe(true);
  });

  it('stays out of chat, statements, uncovered questions and conversations staff already handle', async () => {
    expect(await triage('lol same', 'en', 0.5)).toMatchObject({ reply: false, reason: 'chatter' });
    expect((await triage('I just bought the blue one', 'en', 0.3)).reply).toBe(false);
    expect((await triage('who is going to the meetup tonight?', 'en', 0)).reply).toBe(false);
    expect((await triage('how do I reset my password?', 'en', 0.4, true)).reply).toBe(false);
  });
});

describe('OfflineEngine.rewriteQuery', () => {
  it('expands a paraphrase into the knowledge base language and its headings wording', async () => {
    const query = await engine.rewriteQuery(
      'Kann ich mein Geld zurück bekommen?',
      'de',
      ['en'],
      ['Refunds', 'Shipping times'],
    );
    expect(query.language).toBe('en');
    expect(query.terms).toEqual(expect.arrayContaining(['refund', 'money back', 'refunds']));
    expect(query.terms).not.toContain('shipping');
  });

  it('keeps the question language when the knowledge base has it, with translations of support words', async () => {
    const query = await engine.rewriteQuery('Şifremi unuttum', 'tr', ['tr', 'en']);
    expect(query.language).toBe('tr');
    expect(query.terms).toEqual(expect.arrayContaining(['şifre', 'password', 'unuttum', 'reset']));
  });
});
