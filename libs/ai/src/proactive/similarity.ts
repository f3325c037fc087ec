import { detectLanguage } from '../language/detect-language.js';
import type { Language } from '../language/languages.js';
import { stem } from '../text/stemming.js';
import { isStopWord } from '../text/stop-words.js';
import { words } from '../text/tokens.js';

/**
 * How alike two texts are, from 0 (nothing in common) to 1 (the same words in the same order):
 * the mean of the Jaccard similarity of their content-word stems and that of their stem pairs
 * (bigrams), so a reworded post with the same vocabulary scores high, and the same sentences
 * in another order score higher still. Stop words are ignored; the language is detected when
 * not given.
 */
export function textSimilarity(a: string, b: string, language?: Language): number {
  const stemsA = contentStems(a, language ?? detectLanguage(a));
  const stemsB = contentStems(b, language ?? detectLanguage(b));
  if (stemsA.length === 0 && stemsB.length === 0) return a.trim() === b.trim() ? 1 : 0;
  return (jaccard(new Set(stemsA), new Set(stemsB)) + jaccard(bigrams(stemsA), bigrams(stemsB))) / 2;
}

/** The highest similarity of a text to any of the others (0 when there are none). */
export function maxSimilarity(text: string, others: readonly string[], language?: Language): number {
  return others.reduce((best, other) => Math.max(best, textSimilarity(text, other, language)), 0);
}

/** Stemming dominates the cost, and posts repeat their words: stems are remembered (bounded). */
const STEM_CACHE_LIMIT = 20_000;
const stemCache = new Map<string, string>();

function cachedStem(word: string, language: Language): string {
  const key = `${language}:${word}`;
  let result = stemCache.get(key);
  if (result === undefined) {
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    result = stem(word, language);
    stemCache.set(key, result);
  }
  return result;
}

function contentStems(text: string, language: Language): string[] {
  return words(text, language)
    .filter((word) => !isStopWord(word, language))
    .map((word) => cachedStem(word, language))
    .filter((wordStem) => wordStem.length > 1);
}

function bigrams(stems: readonly string[]): Set<string> {
  const pairs = new Set<string>();
  for (let index = 1; index < stems.length; index++) pairs.add(`${stems[index - 1]} ${stems[index]}`);
  return pairs;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}
