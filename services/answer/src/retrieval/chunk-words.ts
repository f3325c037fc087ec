/**
 * Words as the search for misspellings compares them: lower case (pg_trgm ignores case too),
 * letters and digits only.
 */

/** A chunk's shorter words add rows to the vocabulary and nothing a misspelt word resembles. */
const VOCABULARY_MIN_WORD_LENGTH = 3;
/** A member's shorter words have too few trigrams to tell a misspelling from another word. */
const SIMILAR_MIN_WORD_LENGTH = 4;
/** The most of a member's words one search looks up. */
const SIMILAR_MAX_WORDS = 8;

const NOT_A_WORD_CHARACTER = /[^\p{L}\p{N}]+/u;

/** The distinct words of a chunk, for the tenant's vocabulary (`chunk_words`). */
export function chunkVocabulary(content: string): string[] {
  const words = new Set<string>();
  for (const word of content.toLowerCase().split(NOT_A_WORD_CHARACTER)) {
    if (word.length >= VOCABULARY_MIN_WORD_LENGTH) words.add(word);
  }
  return [...words];
}

/**
 * A member's words to look up in the vocabulary: each whitespace-separated word with its
 * punctuation removed ("e-mail," is "email"), long enough, distinct, at most SIMILAR_MAX_WORDS.
 */
export function similarityWords(words: readonly string[]): string[] {
  return [
    ...new Set(
      words
        .map((word) => word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, ''))
        .filter((word) => word.length >= SIMILAR_MIN_WORD_LENGTH),
    ),
  ].slice(0, SIMILAR_MAX_WORDS);
}
