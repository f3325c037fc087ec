import { detectAll } from 'tinyld';
import { countStopWords } from '../text/stop-words.js';
import { supportConcepts } from '../text/support-vocabulary.js';
import { stripDiscordMarkup, words } from '../text/tokens.js';
import { languageFromLocale, SUPPORTED_LANGUAGES, type Language } from './languages.js';

type Scores = Record<Language, number>;

const LATIN_LANGUAGES: Language[] = ['en', 'de', 'fr', 'id', 'tr'];

/** Letters that only (or mostly) one of the languages uses, with how much they count. */
const DISTINCTIVE_LETTERS: readonly [RegExp, Language, number][] = [
  [/[ğış]|İ/u, 'tr', 3],
  [/ß/u, 'de', 3],
  [/[äÄ]/u, 'de', 1.5],
  [/[öüÖÜ]/u, 'de', 0.75],
  [/[öüçÖÜÇ]/u, 'tr', 0.75],
  [/[éèêàùâîôûœëÉÈ]/u, 'fr', 1.5],
  [/[çÇ]/u, 'fr', 0.5],
];

/** Weight of the statistical detector, which is good on sentences and unsure on a few words. */
const NGRAM_WEIGHT = 3;
/** Below this much evidence the text says too little, and the locale decides. */
const MIN_EVIDENCE = 1;
/** When the locale's language is this close to the best, the locale wins the tie. */
const LOCALE_TIE_MARGIN = 0.75;

const vocabularyByLanguage = buildVocabulary();

function buildVocabulary(): Map<Language, Set<string>> {
  const vocabulary = new Map<Language, Set<string>>(
    SUPPORTED_LANGUAGES.map((language) => [language, new Set()]),
  );
  for (const concept of supportConcepts()) {
    for (const phrase of concept.phrases) {
      for (const word of words(phrase.text, phrase.language)) vocabulary.get(phrase.language)!.add(word);
    }
  }
  return vocabulary;
}

/**
 * The language of a message, robust for short questions: the script first (Cyrillic is
 * Russian here), then per language the stop and question words, distinctive letters,
 * support vocabulary and a character n-gram detector. When the text says too little, the
 * member's Discord locale decides, then English.
 */
export function detectLanguage(text: string, hint?: string): Language {
  const fallback = languageFromLocale(hint) ?? 'en';
  const cleaned = stripDiscordMarkup(text);
  const cyrillic = (cleaned.match(/\p{Script=Cyrillic}/gu) ?? []).length;
  const latin = (cleaned.match(/\p{Script=Latin}/gu) ?? []).length;
  if (cyrillic === 0 && latin === 0) return fallback;
  if (cyrillic > latin) return 'ru';

  const scores = Object.fromEntries(SUPPORTED_LANGUAGES.map((language) => [language, 0])) as Scores;
  for (const language of LATIN_LANGUAGES) {
    const textWords = words(cleaned, language);
    const vocabulary = vocabularyByLanguage.get(language)!;
    scores[language] += countStopWords(textWords, language);
    scores[language] += textWords.filter((word) => vocabulary.has(word)).length;
  }
  for (const [letters, language, weight] of DISTINCTIVE_LETTERS) {
    if (letters.test(cleaned)) scores[language] += weight;
  }
  for (const { lang, accuracy } of detectAll(cleaned, { only: LATIN_LANGUAGES })) {
    if (lang in scores) scores[lang as Language] += accuracy * NGRAM_WEIGHT;
  }

  const [best, bestScore] = (Object.entries(scores) as [Language, number][]).reduce((a, b) =>
    b[1] > a[1] ? b : a,
  );
  if (bestScore < MIN_EVIDENCE) return fallback;
  if (scores[fallback] >= bestScore - LOCALE_TIE_MARGIN && scores[fallback] > 0) return fallback;
  return best;
}
