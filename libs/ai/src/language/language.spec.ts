import { describe, expect, it } from '@jest/globals';
import { detectLanguage } from './detect-language.js';
import { languageFromLocale, textSearchConfig, type Language } from './languages.js';

describe('detectLanguage', () => {
  const questions: [string, Language][] = [
    ['how do I reset my password?', 'en'],
    ['Как сбросить пароль?', 'ru'],
    ['Şifremi nasıl sıfırlarım?', 'tr'],
    ['Wie kann ich mein Passwort zurücksetzen?', 'de'],
    ['Comment réinitialiser mon mot de passe ?', 'fr'],
    ['Bagaimana cara mengatur ulang kata sandi saya?', 'id'],
    ['where is my order', 'en'],
    ['refund?', 'en'],
    ['wo ist meine Bestellung', 'de'],
    ['Rückerstattung', 'de'],
    ['où est ma commande', 'fr'],
    ['est-ce gratuit', 'fr'],
    ['pesanan saya di mana', 'id'],
    ['kapan barang dikirim', 'id'],
    ['apakah gratis', 'id'],
    ['siparişim nerede', 'tr'],
    ['ücretsiz mi', 'tr'],
    ['где мой заказ', 'ru'],
    [
      'I ordered a hoodie two weeks ago and it still has not arrived. The tracking page says it is stuck in customs, what should I do?',
      'en',
    ],
    ['Я заказал худи две недели назад, и оно до сих пор не пришло. Что мне делать?', 'ru'],
    [
      'Ich habe vor zwei Wochen einen Hoodie bestellt und er ist immer noch nicht angekommen. Was soll ich tun?',
      'de',
    ],
    [
      "J'ai commandé un sweat il y a deux semaines et il n'est toujours pas arrivé. Que dois-je faire ?",
      'fr',
    ],
    [
      'Saya memesan hoodie dua minggu lalu dan sampai sekarang belum sampai. Apa yang harus saya lakukan?',
      'id',
    ],
    ['İki hafta önce bir kapüşonlu sipariş ettim ve hâlâ gelmedi. Ne yapmalıyım?', 'tr'],
    ['<@123456789> wie kann ich kündigen?', 'de'],
  ];

  it.each(questions)('%s → %s', (question, language) => {
    expect(detectLanguage(question)).toBe(language);
  });

  it('falls back to the Discord locale when the text says too little, then to English', () => {
    expect(detectLanguage('👍', 'de')).toBe('de');
    expect(detectLanguage('ok', 'tr')).toBe('tr');
    expect(detectLanguage('👍', 'pt-BR')).toBe('en');
    expect(detectLanguage('👍')).toBe('en');
  });

  it('lets the text win over a locale that clearly does not fit', () => {
    expect(detectLanguage('Wie kann ich mein Passwort zurücksetzen?', 'en-US')).toBe('de');
    expect(detectLanguage('Как сбросить пароль?', 'fr')).toBe('ru');
  });
});

describe('languageFromLocale', () => {
  it('maps Discord locales to supported languages', () => {
    expect(languageFromLocale('en-US')).toBe('en');
    expect(languageFromLocale('tr')).toBe('tr');
    expect(languageFromLocale('pt-BR')).toBeUndefined();
    expect(languageFromLocale(undefined)).toBeUndefined();
  });
});

describe('textSearchConfig', () => {
  it('names the Postgres configuration of each language', () => {
    expect(['en', 'ru', 'de', 'fr', 'id', 'tr'].map((l) => textSearchConfig(l as Language))).toEqual([
      'english',
      'russian',
      'german',
      'french',
      'indonesian',
      'turkish',
    ]);
  });

  it('rejects an unsupported language with a clear error', () => {
    expect(() => textSearchConfig('pt' as Language)).toThrow(/Unsupported language "pt"/);
  });
});
