import type { SearchQuery } from '../engine.js';
import { detectLanguage } from '../language/detect-language.js';
import type { Language } from '../language/languages.js';
import { queryTerms, termMatches, type QueryTerm } from '../text/query-terms.js';
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
  const headingWords = headings.flatMap((heading) =>
    relatedHeadingWords(heading, questionTerms, searchLanguage),
  );
  const conceptPhrases = (phraseLanguages: readonly Language[]) =>
    questionTerms
      .filter((term) => term.concept)
      .flatMap((term) =>
        term.phrases.filter((phrase) => phraseLanguages.includes(phrase.language)).map((p) => p.text),
      );
  const terms = new Set([
    ...ownWords,
    ...headingWords,
    ...conceptPhrases([searchLanguage]),
    ...conceptPhrases([language, ...knowledgeLanguages]),
  ]);
  return { terms: [...terms].slice(0, MAX_TERMS), language: searchLanguage };
}

/** The heading's words that share a stem or a support concept with the question. */
function relatedHeadingWords(
  heading: string,
  questionTerms: readonly QueryTerm[],
  searchLanguage: Language,
): string[] {
  const language = detectLanguage(heading, searchLanguage);
  return words(heading, language).filter((word) => {
    if (isStopWord(word, language)) return false;
    const stemmedWord = { language, stems: [stem(word, language)] };
    return questionTerms.some((term) => termMatches(term, stemmedWord));
  });
}
