import type { SearchQuery } from '../engine.js';
import { detectLanguage } from '../language/detect-language.js';
import type { Language } from '../language/languages.js';
import { queryTerms, termMatches, type QueryTerm, type StemmedText } from '../text/query-terms.js';
import { stem } from '../text/stemming.js';
import { isStopWord } from '../text/stop-words.js';
import { words } from '../text/tokens.js';

const MAX_TERMS = 24;

/**
 * Search terms for a question without a model: its content words, the phrases of the support
 * concepts it mentions in the question's and the knowledge base's languages, and the words of
 * the knowledge base's own headings that mean the same (a shared stem or concept), so the
 * search uses the knowledge base's wording. Terms are words, not stems: Postgres stems them
 * with the language's text search configuration.
 */
export function rewriteQueryOffline(
  question: string,
  language: Language,
  knowledgeLanguages: readonly Language[],
  headings: readonly string[] = [],
): SearchQuery {
  const searchLanguage = knowledgeLanguages.includes(language)
    ? language
    : (knowledgeLanguages[0] ?? language);
  const questionTerms = queryTerms(question, language);
  // In order of how surely they name what the member means, as the list is cut at MAX_TERMS.
  const ownWords = questionTerms.flatMap((term) => (term.word === undefined ? [] : [term.word]));
  const isRelated = relatedStems(questionTerms);
  const borrowedWords = headings.flatMap((heading) =>
    headingWords(heading, searchLanguage)
      .filter(({ stemmed }) => isRelated(stemmed))
      .map(({ word }) => word),
  );
  const conceptPhrases = (phraseLanguages: readonly Language[]) =>
    questionTerms
      .filter((term) => term.concept)
      .flatMap((term) =>
        term.phrases.filter((phrase) => phraseLanguages.includes(phrase.language)).map((p) => p.text),
      );
  const terms = new Set([
    ...ownWords,
    ...borrowedWords,
    ...conceptPhrases([searchLanguage]),
    ...conceptPhrases([language, ...knowledgeLanguages]),
  ]);
  return { terms: [...terms].slice(0, MAX_TERMS), language: searchLanguage };
}

/** A content word of a heading, stemmed in the heading's own language. */
interface HeadingWord {
  readonly word: string;
  readonly stemmed: StemmedText;
}

/**
 * Headings analysed already, per search language. The same knowledge base's headings (up to
 * 200) come with every question, and detecting each one's language costs far more than the
 * rest of the rewrite.
 */
const analysedHeadings = new Map<string, readonly HeadingWord[]>();
const MAX_ANALYSED_HEADINGS = 20_000;
/** Longer headings (a line of a pasted script) are analysed every time rather than kept. */
const MAX_REMEMBERED_HEADING_LENGTH = 200;

/** The heading's content words, in the language the heading is written in. */
function headingWords(heading: string, searchLanguage: Language): readonly HeadingWord[] {
  const analyse = (): readonly HeadingWord[] => {
    const language = detectLanguage(heading, searchLanguage);
    return words(heading, language)
      .filter((word) => !isStopWord(word, language))
      .map((word) => ({ word, stemmed: sharedStem(stem(word, language), language) }));
  };
  if (heading.length > MAX_REMEMBERED_HEADING_LENGTH) return analyse();
  const key = `${searchLanguage}\u0000${heading}`;
  let analysed = analysedHeadings.get(key);
  if (!analysed) {
    if (analysedHeadings.size >= MAX_ANALYSED_HEADINGS) analysedHeadings.clear();
    analysedHeadings.set(key, (analysed = analyse()));
  }
  return analysed;
}

/**
 * One object per stem and language across the analysed headings, so `relatedStems` compares
 * each once. Only a saving: once the map is cleared, old and new objects for one stem are
 * simply compared separately.
 */
const sharedStems = new Map<string, StemmedText>();
const MAX_SHARED_STEMS = 50_000;

function sharedStem(wordStem: string, language: Language): StemmedText {
  const key = `${language}\u0000${wordStem}`;
  let shared = sharedStems.get(key);
  if (!shared) {
    if (sharedStems.size >= MAX_SHARED_STEMS) sharedStems.clear();
    sharedStems.set(key, (shared = { language, stems: [wordStem] }));
  }
  return shared;
}

/**
 * Whether a heading word shares a stem or a support concept with the question. Headings
 * repeat their words ("account", "settings"), and their stems are shared objects, so each
 * distinct stem is compared with the question's terms once per question.
 */
function relatedStems(questionTerms: readonly QueryTerm[]): (stemmed: StemmedText) => boolean {
  const decided = new Map<StemmedText, boolean>();
  return (stemmed) => {
    let related = decided.get(stemmed);
    if (related === undefined) {
      related = questionTerms.some((term) => termMatches(term, stemmed));
      decided.set(stemmed, related);
    }
    return related;
  };
}
