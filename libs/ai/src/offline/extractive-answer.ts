import type { AnswerInput, KnowledgePassage } from '../engine.js';
import { detectLanguage } from '../language/detect-language.js';
import type { Language } from '../language/languages.js';
import { queryTerms, stemText, termMatches, type QueryTerm } from '../text/query-terms.js';
import { sentences } from '../text/tokens.js';

export interface ExtractiveOptions {
  /** Retrieval hits below this score are not quoted from. */
  minPassageScore: number;
  /** How many of the best passages are read. */
  maxPassages: number;
  /** How many sentences an answer quotes at most. */
  maxSentences: number;
  /** The length an answer's quotes stay under, so a reply stays readable in Discord. */
  maxQuoteChars: number;
}

export const DEFAULT_EXTRACTIVE_OPTIONS: ExtractiveOptions = {
  minPassageScore: 0.05,
  maxPassages: 5,
  maxSentences: 3,
  maxQuoteChars: 700,
};

/** A matched term found only in the passage's title or heading counts this much. */
const HEADING_MATCH_WEIGHT = 0.5;
/** Sentences that score at least this share of the best one join it in the answer. */
const COMPANION_SHARE = 0.5;
/** How many lines after a sentence ending in a colon are quoted with it. */
const MAX_LIST_ITEMS = 5;
const HEADING_MAX_WORDS = 4;
const LIST_ITEM = /^(?:\d+[.)]|[-*•])\s/;

export interface Extract {
  sentences: string[];
  sourceDocumentIds: string[];
}

interface ScoredSentence {
  passageIndex: number;
  sentenceIndex: number;
  text: string;
  score: number;
}

/**
 * The sentences of the best passages that answer the question: each sentence scores by the
 * question's terms (stemmed, with synonyms and translations) it contains, plus half for those
 * only its passage's heading contains. Undefined when no sentence covers enough of the question.
 */
export function extractAnswer(input: AnswerInput, options: ExtractiveOptions): Extract | undefined {
  const passages = input.passages
    .filter((passage) => input.wholeKnowledgeBase || passage.score >= options.minPassageScore)
    .slice(0, input.wholeKnowledgeBase ? undefined : options.maxPassages);
  const terms = queryTerms(input.question, input.language);
  if (terms.length === 0 || passages.length === 0) return undefined;
  const requiredCoverage = terms.length <= 2 ? 1 : Math.ceil(terms.length * 0.4);

  const languages = passages.map(
    (passage) => passage.language ?? detectLanguage(passage.content, input.language),
  );
  const passageSentences = passages.map((passage, index) => sentences(passage.content, languages[index]!));
  const scored = passages.map((passage, index) =>
    scoreSentences(passage, index, languages[index]!, passageSentences[index]!, terms, requiredCoverage),
  );
  const best = scored
    .flat()
    .reduce<ScoredSentence | undefined>((a, b) => (!a || b.score > a.score ? b : a), undefined);
  if (!best) return undefined;

  const texts = passageSentences[best.passageIndex]!;
  const chosen = new Set(
    scored[best.passageIndex]!.filter((s) => s.score >= best.score * COMPANION_SHARE)
      .sort((a, b) => b.score - a.score || a.sentenceIndex - b.sentenceIndex)
      .slice(0, options.maxSentences)
      .map((s) => s.sentenceIndex),
  );
  // A sentence that introduces a list ("To start a return:") is only useful with its items.
  for (const index of [...chosen]) {
    if (!texts[index]!.endsWith(':') || index + 1 >= texts.length) continue;
    chosen.add(index + 1);
    for (let next = index + 2; next <= index + MAX_LIST_ITEMS && LIST_ITEM.test(texts[next] ?? ''); next++) {
      chosen.add(next);
    }
  }

  const quoted: string[] = [];
  let length = 0;
  for (const index of [...chosen].sort((a, b) => a - b)) {
    const text = texts[index]!;
    if (quoted.length > 0 && length + text.length > options.maxQuoteChars) break;
    quoted.push(text);
    length += text.length;
  }
  return { sentences: quoted, sourceDocumentIds: [passages[best.passageIndex]!.documentId] };
}

function scoreSentences(
  passage: KnowledgePassage,
  passageIndex: number,
  language: Language,
  passageSentences: readonly string[],
  terms: readonly QueryTerm[],
  requiredCoverage: number,
): ScoredSentence[] {
  const heading = stemText(`${passage.title} ${passage.heading ?? ''}`, language);
  const inHeading = new Set(terms.filter((term) => termMatches(term, heading)));
  const result: ScoredSentence[] = [];
  passageSentences.forEach((text, sentenceIndex) => {
    if (isHeadingLine(text)) return;
    const stemmed = stemText(text, language);
    const inSentence = terms.filter((term) => termMatches(term, stemmed));
    if (inSentence.length === 0) return;
    const headingOnly = [...inHeading].filter((term) => !inSentence.includes(term)).length;
    if (inSentence.length + headingOnly < requiredCoverage) return;
    // Concepts say more about a support question than incidental words do.
    const weight = inSentence.reduce((sum, term) => sum + (term.concept ? 1.25 : 1), 0);
    result.push({ passageIndex, sentenceIndex, text, score: weight + headingOnly * HEADING_MATCH_WEIGHT });
  });
  return result;
}

/** A short line without sentence punctuation ("Returns", "Step 2"): a heading, not an answer. */
function isHeadingLine(text: string): boolean {
  return !/[.!?:;。]$/.test(text) && text.split(/\s+/).length <= HEADING_MAX_WORDS;
}
