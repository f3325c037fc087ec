import { describe, expect, it } from '@jest/globals';
import { isObviousChatter } from './chatter.js';
import { detectHumanRequest } from './human-request.js';

describe('isObviousChatter', () => {
  it.each([
    'lol',
    'gm',
    'thanks!',
    'Thanks a lot guys',
    'спасибо',
    'Спасибо большое!',
    'danke',
    'merci',
    'merci beaucoup 🙏',
    'teşekkürler',
    'makasih',
    'wkwkwk',
    'хахаха',
    '😂😂😂',
    '👍',
    '<:pepe_love:123456789012345678>',
    '<@123> haha',
    'ok',
    'good morning everyone',
  ])('drops %p', (message) => {
    expect(isObviousChatter(message)).toBe(true);
  });

  it.each([
    'how do I reset my password?',
    'Как сбросить пароль?',
    'Wie kann ich kündigen?',
    'Comment réinitialiser mon mot de passe ?',
    'Bagaimana cara mengatur ulang kata sandi saya?',
    'Şifremi nasıl sıfırlarım?',
    'refund?',
    'thanks, but where is my order?',
    '<@123> help',
    'hi, my payment failed twice',
  ])('keeps %p', (message) => {
    expect(isObviousChatter(message)).toBe(false);
  });
});

describe('detectHumanRequest', () => {
  it.each([
    'Can I talk to a human please?',
    'I want to speak with a real person',
    'connect me to an agent',
    'Я хочу поговорить с человеком',
    'Позовите живого оператора',
    'Ich möchte mit einem Mitarbeiter sprechen',
    'Kann ich mit einem echten Menschen reden?',
    'Je voudrais parler à un humain',
    'Puis-je parler à un conseiller ?',
    'Saya mau bicara dengan admin',
    'Tolong hubungkan saya ke customer service',
    'Gerçek bir insanla konuşmak istiyorum',
    'Müşteri temsilcisi ile görüşebilir miyim?',
  ])('recognises %p', (message) => {
    expect(detectHumanRequest(message)).toBe(true);
  });

  it.each([
    'how do I reset my password?',
    'Is the human body mostly water?',
    'Wie füge ich einen Mitarbeiter zu meinem Konto hinzu?',
    'Comment ajouter une personne à mon équipe ?',
    'Bagaimana cara menjadi admin?',
    'Hesabıma nasıl giriş yaparım?',
    'Как добавить человека в команду?',
  ])('ignores %p', (message) => {
    expect(detectHumanRequest(message)).toBe(false);
  });
});
