/**
 * Words as the search for misspellings compares them: a chunk's words are stored and a
 * member's are looked up in the same form, so the two always agree.
 */

/** A chunk's shorter words add rows to the vocabulary and nothing a misspelt word resembles. */
const VOCABULARY_MIN_WORD_LENGTH = 3;
/** Longer runs of letters are no words a member types (hashes, unbroken CJK text). */
const MAX_WORD_LENGTH = 64;
/** A member's shorter words have too few trigrams to tell a misspelling from another word. */
const SIMILAR_MIN_WORD_LENGTH = 4;
/** The most of a member's words one search looks up. */
const SIMILAR_MAX_WORDS = 8;

const COMBINING_MARKS = /\p{M}/gu;
const NOT_A_WORD_CHARACTER = /[^\p{L}\p{N}]+/u;

/**
 * The text's words: composed (NFC), in lower case (pg_trgm ignores case too) and without the
 * combining marks that remain (lower-casing the Turkish "İ" leaves a dot above the "i"), split
 * at everything that is not a letter or a digit ("e-mail" is "e" and "mail").
 */
function wordsOf(text: string): string[] {
  return text.normalize('NFC').toLowerCase().replace(COMBINING_MARKS, '').split(NOT_A_WORD_CHARACTER);
}

/** The distinct words of a chunk, for the tenant's vocabulary (`chunk_words`). */
export function chunkVocabulary(content: string): string[] {
  const words = new Set<string>();
  for (const word of wordsOf(content)) {
    if (word.length >= VOCABULARY_MIN_WORD_LENGTH && word.length <= MAX_WORD_LENGTH) words.add(word);
  }
  return [...words];
}

/** A member's words to look up in the vocabulary: distinct, long enough, at most SIMILAR_MAX_WORDS. */
export function similarityWords(text: string): string[] {
  const words = new Set<string>();
  for (const word of wordsOf(text)) {
    if (words.size === SIMILAR_MAX_WORDS) break;
    if (word.length >= SIMILAR_MIN_WORD_LENGTH && word.length <= MAX_WORD_LENGTH) words.add(word);
  }
  return [...words];
}
