import snowballFactory from 'snowball-stemmers';
import type { Language } from '../language/languages.js';
import { stemIndonesian } from './indonesian-stemmer.js';
import { foldDiacritics } from './tokens.js';

const SNOWBALL_ALGORITHMS: Record<Exclude<Language, 'id'>, string> = {
  en: 'english',
  ru: 'russian',
  de: 'german',
  fr: 'french',
  tr: 'turkish',
};

type StemFunction = (word: string) => string;

const stemmers = new Map<Language, StemFunction>();
/** Stems already computed, per language: the same words come back in every question and passage. */
const stemmed = new Map<Language, Map<string, string>>();
const MAX_REMEMBERED_STEMS = 50_000;
/**
 * Longer words are not remembered: V8 represents such a word taken out of a text as a slice
 * that keeps the whole text alive, and a cache of them would hold passages in memory.
 */
const MAX_REMEMBERED_WORD_LENGTH = 12;

function stemmerFor(language: Language): StemFunction {
  let stemmer = stemmers.get(language);
  if (!stemmer) {
    if (language === 'id') {
      stemmer = stemIndonesian;
    } else {
      const snowball = snowballFactory.newStemmer(SNOWBALL_ALGORITHMS[language]);
      stemmer = (word) => snowball.stem(word);
    }
    stemmers.set(language, stemmer);
  }
  return stemmer;
}

/**
 * The comparable form of a lower-cased word: its stem in the language, with diacritics
 * folded afterwards (the stemmers need them; members often type without them).
 */
export function stem(word: string, language: Language): string {
  const compute = () => foldDiacritics(stemmerFor(language)(word));
  if (word.length > MAX_REMEMBERED_WORD_LENGTH) return compute();
  let known = stemmed.get(language);
  if (!known) stemmed.set(language, (known = new Map()));
  let result = known.get(word);
  if (result === undefined) {
    if (known.size >= MAX_REMEMBERED_STEMS) known.clear();
    known.set(word, (result = compute()));
  }
  return result;
}

/** Shorter stems than this only match exactly. */
const MIN_PREFIX_MATCH_LENGTH = 5;
/** A prefix match may leave at most this many letters over: a suffix, not another word. */
const MAX_LEFTOVER_LETTERS = 3;

/**
 * Whether two stems name the same word. Agglutinative languages keep verb suffixes the
 * stemmers leave on ("sıfırla" from "sıfırlama", "sıfır" from "sıfırlarım"), so a long
 * enough stem that starts the other one counts as a match too, when what is left over is
 * short enough to be a suffix rather than a compound's second word ("zurück" + "setzen").
 */
export function stemsMatch(a: string, b: string): boolean {
  if (a === b) return true;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return (
    shorter.length >= MIN_PREFIX_MATCH_LENGTH &&
    longer.length - shorter.length <= MAX_LEFTOVER_LETTERS &&
    longer.startsWith(shorter)
  );
}
