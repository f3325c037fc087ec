import {
  DISCORD_MESSAGE_LIMIT,
  replyMessages,
  singleMessage,
  sourcesLine,
  splitAtSentences,
} from './reply-format.js';

const sentence = (n: number) => `Sentence number ${n} explains one more detail of the product. `;
const longAnswer = Array.from({ length: 82 }, (_, n) => sentence(n))
  .join('')
  .trim();

describe('reply formatting', () => {
  it('puts the sources on a last small-text line', () => {
    expect(replyMessages('Open Settings.', sourcesLine(['Passwords', 'Account', 'Passwords'], 'en'))).toEqual(
      ['Open Settings.\n-# Sources: Passwords · Account'],
    );
    expect(sourcesLine([], 'de')).toBeUndefined();
    expect(sourcesLine(['Rückgabe'], 'de')).toBe('-# Quellen: Rückgabe');
  });

  it('splits a 5,000-character answer at sentence boundaries, each message within 2,000 characters', () => {
    expect(longAnswer.length).toBeGreaterThan(4_800);
    const messages = replyMessages(longAnswer, '-# Sources: Manual');
    expect(messages.length).toBe(3);
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    expect(messages.slice(0, -1).every((message) => message.endsWith('product.'))).toBe(true);
    expect(messages.at(-1)).toMatch(/product\.\n-# Sources: Manual$/);
    expect(messages.join(' ').replace('\n-# Sources: Manual', '')).toBe(longAnswer);
  });

  it('cuts an answer longer than the message cap at a sentence, with an ellipsis', () => {
    const messages = replyMessages(longAnswer, undefined, { maxMessages: 2 });
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatch(/product\. …$/);
    expect(messages[1]!.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
  });

  it('trims to one message for an interaction response', () => {
    const message = singleMessage(longAnswer, '-# Sources: Manual');
    expect(message.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    expect(message).toMatch(/product\. …\n-# Sources: Manual$/);
  });

  it('cuts a sentence longer than a message at a space', () => {
    const words = 'word '.repeat(1_000).trim();
    const parts = splitAtSentences(words, 2_000);
    expect(parts.every((part) => part.length <= 2_000 && !part.startsWith(' '))).toBe(true);
    expect(parts.join(' ')).toBe(words);
  });
});
