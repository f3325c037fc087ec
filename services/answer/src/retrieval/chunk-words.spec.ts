import { chunkVocabulary, similarityWords } from './chunk-words.js';

describe('the words the misspelling search compares', () => {
  it("takes a chunk's distinct words in lower case, in any script, split at punctuation", () => {
    expect(chunkVocabulary('Reset your Password: open Settings, then reset the PASSWORD.')).toEqual([
      'reset',
      'your',
      'password',
      'open',
      'settings',
      'then',
      'the',
    ]);
    expect(chunkVocabulary('Доставка по России — от трёх дней; e-mail')).toEqual([
      'доставка',
      'россии',
      'трёх',
      'дней',
      'mail',
    ]);
  });

  it("keeps a member's word whole without its punctuation, and only words long enough to resemble another", () => {
    expect(similarityWords(['How', 'do', 'I', 'change', 'my', 'e-mail,', 'Pasword?', 'pasword'])).toEqual([
      'change',
      'email',
      'pasword',
    ]);
  });
});
