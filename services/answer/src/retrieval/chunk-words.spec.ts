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

  it('keeps letters whole whatever their case or composition: Turkish İ, decomposed accents', () => {
    expect(chunkVocabulary('İptal için İletişim sayfasını açın')).toEqual([
      'iptal',
      'için',
      'iletişim',
      'sayfasını',
      'açın',
    ]);
    expect(chunkVocabulary('Re\u0301initialiser le mot de passe')).toEqual(['réinitialiser', 'mot', 'passe']);
  });

  it('leaves out runs of letters too long to be a word', () => {
    expect(chunkVocabulary(`hash ${'a1'.repeat(40)} end`)).toEqual(['hash', 'end']);
  });

  it("takes a member's words the same way, only those long enough to resemble another, at most eight", () => {
    expect(similarityWords('How do I change my e-mail, Pasword? pasword İptal')).toEqual([
      'change',
      'mail',
      'pasword',
      'iptal',
    ]);
    expect(similarityWords('one1 two2 three four five sixx seven eight nine')).toHaveLength(8);
  });
});
