import type { Language } from '../language/languages.js';
import { stem, stemsMatch } from './stemming.js';
import { isStopWord } from './stop-words.js';
import { supportConcepts, type StemmedPhrase } from './support-vocabulary.js';
import { foldDiacritics, words } from './tokens.js';

/**
 * One thing a question asks about: a support concept (matched by any of its phrases in any
 * language) or a plain content word of the question.
 */
export interface QueryTerm {
  /** The concept name or the question's word, for logs and search terms. */
  readonly label: string;
  readonly concept: boolean;
  /** Ways the term may appear; a phrase matches when all its stems do. */
  readonly phrases: readonly StemmedPhrase[];
  /** The question's own word, stemmed again in the language of the text it is matched against. */
  readonly word?: string;
  /** `word` with its diacritics folded, for texts that write it without them. */
  readonly foldedWord?: string;
}

/** The meaningful terms of a question: the support concepts it mentions, then its other content words. */
export function queryTerms(question: string, language: Language): QueryTerm[] {
  const questionWords = words(question, language);
  const questionStems = questionWords.map((word) => stem(word, language));
  const covered = new Set<number>();
  const terms: QueryTerm[] = [];

  for (const concept of supportConcepts()) {
    const matchedIndexes = concept.phrases.flatMap(
      (phrase) => phraseIndexes(phrase.stems, questionStems) ?? [],
    );
    if (matchedIndexes.length === 0) continue;
    matchedIndexes.forEach((index) => covered.add(index));
    terms.push({ label: concept.name, concept: true, phrases: concept.phrases });
  }

  const seen = new Set<string>();
  questionWords.forEach((word, index) => {
    const wordStem = questionStems[index]!;
    if (covered.has(index) || isStopWord(word, language) || wordStem.length < 2 || seen.has(wordStem)) return;
    seen.add(wordStem);
    terms.push({
      label: word,
      concept: false,
      phrases: [{ language, text: word, stems: [wordStem] }],
      word,
      foldedWord: foldDiacritics(word),
    });
  });
  return terms;
}

/** The indexes of the text stems that make up the phrase, or undefined when it is not all there. */
function phraseIndexes(phraseStems: readonly string[], textStems: readonly string[]): number[] | undefined {
  const indexes: number[] = [];
  for (const phraseStem of phraseStems) {
    const index = textStems.findIndex((textStem) => stemsMatch(phraseStem, textStem));
    if (index < 0) return undefined;
    indexes.push(index);
  }
  return indexes;
}

/** A text prepared for matching: its comparable stems in its own language. */
export interface StemmedText {
  readonly language: Language;
  readonly stems: readonly string[];
}

export function stemText(text: string, language: Language): StemmedText {
  return { language, stems: words(text, language).map((word) => stem(word, language)) };
}

/** Whether the term appears in the text, in any of its phrasings. */
export function termMatches(term: QueryTerm, text: StemmedText): boolean {
  // Called for every word of every heading and sentence searched: no arrays made on the way.
  if (term.phrases.some((phrase) => containsPhrase(phrase.stems, text.stems))) return true;
  if (term.word === undefined) return false;
  // The question's own word in the text's language (a German word in an English question).
  const inTextLanguage = stem(term.word, text.language);
  const folded = term.foldedWord ?? foldDiacritics(term.word);
  return text.stems.some((textStem) => stemsMatch(inTextLanguage, textStem) || stemsMatch(folded, textStem));
}

/** Whether every stem of the phrase is among the text's stems. */
function containsPhrase(phraseStems: readonly string[], textStems: readonly string[]): boolean {
  return phraseStems.every((phraseStem) => textStems.some((textStem) => stemsMatch(phraseStem, textStem)));
}
