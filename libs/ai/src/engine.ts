import type { Language } from './language/languages.js';

/** One passage of the knowledge base, as retrieval ranked it. */
export interface KnowledgePassage {
  documentId: string;
  title: string;
  heading?: string;
  content: string;
  /** Retrieval relevance in [0, 1], higher is better; ignored when the whole knowledge base is given. */
  score: number;
  language?: Language;
}

export interface HistoryTurn {
  role: 'member' | 'assistant';
  content: string;
}

/** A recent message of the channel, oldest first, shown to the model as data. */
export interface ContextMessage {
  author: string;
  content: string;
  isStaff?: boolean;
}

export interface AnswerInput {
  question: string;
  language: Language;
  passages: KnowledgePassage[];
  /** true when passages are the whole knowledge base (small KB in the cached prefix) rather than retrieval hits */
  wholeKnowledgeBase: boolean;
  history: HistoryTurn[];
  channelContext: ContextMessage[];
  botName?: string;
  tenantName?: string;
}

export type AnswerKind = 'answered' | 'no_answer' | 'escalate';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

export type EngineName = 'anthropic' | 'offline';

export interface AnswerResult {
  kind: AnswerKind;
  text: string;
  /** The documents the answer draws on; always a subset of the given passages' ids. */
  sourceDocumentIds: string[];
  engine: EngineName;
  usage?: TokenUsage;
}

export interface TriageInput {
  message: string;
  language: Language;
  channelContext: ContextMessage[];
  /** The best retrieval score for the message, in [0, 1]; 0 when nothing matched. */
  bestPassageScore: number;
}

export interface TriageResult {
  reply: boolean;
  reason: string;
  engine: EngineName;
}

export interface SearchQuery {
  terms: string[];
  /** The language to search in (its Postgres configuration: `textSearchConfig(language)`). */
  language: Language;
}

export interface AiEngine {
  readonly name: EngineName | 'resilient';
  answer(input: AnswerInput, signal?: AbortSignal): Promise<AnswerResult>;
  triage(input: TriageInput, signal?: AbortSignal): Promise<TriageResult>;
  /**
   * Rewrites a question into search terms (synonyms, the knowledge base's language).
   * `headings` are the knowledge base's own headings and titles: terms are taken in their
   * wording where the question paraphrases them.
   */
  rewriteQuery(
    question: string,
    language: Language,
    knowledgeLanguages: Language[],
    headings?: string[],
    signal?: AbortSignal,
  ): Promise<SearchQuery>;
}
