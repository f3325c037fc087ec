import Anthropic from '@anthropic-ai/sdk';
import type {
  AiEngine,
  AnswerInput,
  AnswerResult,
  SearchQuery,
  TriageInput,
  TriageResult,
} from '../engine.js';
import { validateAnswerInput, validateRewriteInput, validateTriageInput } from '../input-validation.js';
import type { Language } from '../language/languages.js';
import { ESCALATION_TEXT, NO_ANSWER_TEXT } from '../phrases.js';
import {
  answerMessages,
  answerSystem,
  rewriteMessages,
  rewriteSystem,
  TRIAGE_SYSTEM,
  triageMessages,
} from './prompts.js';
import { connectAnthropic, type AnthropicConnection } from './anthropic-client.js';
import { callForcedTool, usageOf } from './forced-tool-call.js';
import { DECIDE_REPLY, SEARCH_TERMS, SUBMIT_ANSWER, type ToolDefinition } from './tools.js';

export const DEFAULT_ANSWER_MODEL = 'claude-sonnet-5-5';
export const DEFAULT_FAST_MODEL = 'claude-haiku-5-5';
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface AnthropicEngineOptions extends AnthropicConnection {
  /** The model for answers. */
  answerModel?: string;
  /** The model for triage and query rewriting. */
  fastModel?: string;
}

const MAX_TOKENS = { answer: 1024, triage: 200, rewrite: 300 } as const;

/** Answers, triages and rewrites queries with Claude, through forced tool calls with JSON schemas. */
export class AnthropicEngine implements AiEngine {
  readonly name = 'anthropic' as const;
  private readonly client: Anthropic;
  private readonly answerModel: string;
  private readonly fastModel: string;
  private readonly timeoutMs: number;

  constructor(options: AnthropicEngineOptions) {
    ({ client: this.client, timeoutMs: this.timeoutMs } = connectAnthropic(options, DEFAULT_TIMEOUT_MS, 'AnthropicEngine'));
    this.answerModel = options.answerModel ?? DEFAULT_ANSWER_MODEL;
    this.fastModel = options.fastModel ?? DEFAULT_FAST_MODEL;
  }

  async answer(input: AnswerInput, signal?: AbortSignal): Promise<AnswerResult> {
    validateAnswerInput(input);
    const { message, input: decision } = await this.callTool(
      SUBMIT_ANSWER,
      {
        model: this.answerModel,
        max_tokens: MAX_TOKENS.answer,
        system: answerSystem(input),
        messages: answerMessages(input),
      },
      signal,
    );
    const usage = usageOf(message);
    const answer = decision.answer.trim();
    if (decision.outcome === 'wants_human') {
      return {
        kind: 'escalate',
        text: answer || ESCALATION_TEXT[input.language],
        sourceDocumentIds: [],
        engine: this.name,
        usage,
      };
    }
    if (decision.outcome === 'not_covered') {
      return {
        kind: 'no_answer',
        text: answer || NO_ANSWER_TEXT[input.language],
        sourceDocumentIds: [],
        engine: this.name,
        usage,
      };
    }
    // Only documents that were actually given can be sources; a model may misremember an id.
    const givenIds = new Set(input.passages.map((passage) => passage.documentId));
    const sourceDocumentIds = [...new Set(decision.source_document_ids)].filter((id) => givenIds.has(id));
    return { kind: 'answered', text: answer, sourceDocumentIds, engine: this.name, usage };
  }

  async triage(input: TriageInput, signal?: AbortSignal): Promise<TriageResult> {
    validateTriageInput(input);
    const { input: decision } = await this.callTool(
      DECIDE_REPLY,
      {
        model: this.fastModel,
        max_tokens: MAX_TOKENS.triage,
        system: TRIAGE_SYSTEM,
        messages: triageMessages(input),
      },
      signal,
    );
    return { reply: decision.reply, reason: decision.reason, engine: this.name };
  }

  async rewriteQuery(
    question: string,
    language: Language,
    knowledgeLanguages: Language[],
    headings: string[] = [],
    signal?: AbortSignal,
  ): Promise<SearchQuery> {
    validateRewriteInput(question, language, knowledgeLanguages, headings);
    const { input: result } = await this.callTool(
      SEARCH_TERMS,
      {
        model: this.fastModel,
        max_tokens: MAX_TOKENS.rewrite,
        system: rewriteSystem(knowledgeLanguages, headings),
        messages: rewriteMessages(question, language),
      },
      signal,
    );
    const terms = [...new Set(result.terms.map((term) => term.trim()).filter(Boolean))];
    const searchLanguage =
      knowledgeLanguages.length === 0 || knowledgeLanguages.includes(result.language)
        ? result.language
        : knowledgeLanguages.includes(language)
          ? language
          : knowledgeLanguages[0]!;
    return { terms, language: searchLanguage };
  }

  /** One Messages call that must end in the given tool's call, within the engine's time budget. */
  private callTool<T>(
    definition: ToolDefinition<T>,
    params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'tools' | 'tool_choice'>,
    signal: AbortSignal | undefined,
  ): Promise<{ message: Anthropic.Message; input: T }> {
    return callForcedTool(this.client, definition, params, { timeoutMs: this.timeoutMs, signal, task: 'answer' });
  }
}

