import type {
  AiEngine,
  AnswerInput,
  AnswerResult,
  SearchQuery,
  TriageInput,
  TriageResult,
} from '../engine.js';
import type { Language } from '../language/languages.js';
import { validateAnswerInput, validateRewriteInput, validateTriageInput } from '../input-validation.js';
import { ESCALATION_TEXT, NO_ANSWER_TEXT, QUOTED_ANSWER_LEAD_IN } from '../phrases.js';
import { detectHumanRequest } from '../signals/human-request.js';
import { DEFAULT_EXTRACTIVE_OPTIONS, extractAnswer, type ExtractiveOptions } from './extractive-answer.js';
import { DEFAULT_TRIAGE_OPTIONS, triageOffline, type TriageOptions } from './offline-triage.js';
import { rewriteQueryOffline } from './query-rewrite.js';

export interface OfflineEngineOptions {
  answers?: Partial<ExtractiveOptions>;
  triage?: Partial<TriageOptions>;
}

/**
 * Answers without a network: quotes the knowledge base's best-matching sentences, triages by
 * question signals and retrieval score, and expands queries from built-in vocabulary. The
 * default engine without an Anthropic key, and the fallback when Anthropic is down.
 */
export class OfflineEngine implements AiEngine {
  readonly name = 'offline' as const;
  private readonly answerOptions: ExtractiveOptions;
  private readonly triageOptions: TriageOptions;

  constructor(options: OfflineEngineOptions = {}) {
    this.answerOptions = { ...DEFAULT_EXTRACTIVE_OPTIONS, ...options.answers };
    this.triageOptions = { ...DEFAULT_TRIAGE_OPTIONS, ...options.triage };
  }

  async answer(input: AnswerInput): Promise<AnswerResult> {
    validateAnswerInput(input);
    if (detectHumanRequest(input.question)) {
      return {
        kind: 'escalate',
        text: ESCALATION_TEXT[input.language],
        sourceDocumentIds: [],
        engine: this.name,
      };
    }
    const extract = extractAnswer(input, this.answerOptions);
    if (!extract)
      return {
        kind: 'no_answer',
        text: NO_ANSWER_TEXT[input.language],
        sourceDocumentIds: [],
        engine: this.name,
      };
    const quote = extract.sentences.map((sentence) => `> ${sentence}`).join('\n');
    return {
      kind: 'answered',
      text: `${QUOTED_ANSWER_LEAD_IN[input.language]}\n${quote}`,
      sourceDocumentIds: extract.sourceDocumentIds,
      engine: this.name,
    };
  }

  async triage(input: TriageInput): Promise<TriageResult> {
    validateTriageInput(input);
    return { ...triageOffline(input, this.triageOptions), engine: this.name };
  }

  async rewriteQuery(
    question: string,
    language: Language,
    knowledgeLanguages: Language[],
    headings?: string[],
  ): Promise<SearchQuery> {
    validateRewriteInput(question, language, knowledgeLanguages, headings);
    return rewriteQueryOffline(question, language, knowledgeLanguages, headings);
  }
}
