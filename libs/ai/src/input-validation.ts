import { z } from 'zod';
import type { AnswerInput, TriageInput } from './engine.js';
import { SUPPORTED_LANGUAGES, type Language } from './language/languages.js';

/** Input an engine cannot work with: a mistake of the caller, never answered by a fallback. */
export class InvalidAiInputError extends Error {
  constructor(what: string, error: z.ZodError) {
    const details = error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    super(`Invalid ${what}: ${details}`);
    this.name = 'InvalidAiInputError';
  }
}

const language = z.enum(SUPPORTED_LANGUAGES as [Language, ...Language[]]);

const contextMessage = z.object({
  author: z.string(),
  content: z.string(),
  isStaff: z.boolean().optional(),
});

const answerInput = z.object({
  question: z.string().trim().min(1, 'must not be empty'),
  language,
  passages: z.array(
    z.object({
      documentId: z.string().min(1),
      title: z.string(),
      heading: z.string().optional(),
      content: z.string(),
      score: z.number().finite(),
      language: language.optional(),
    }),
  ),
  wholeKnowledgeBase: z.boolean(),
  history: z.array(z.object({ role: z.enum(['member', 'assistant']), content: z.string() })),
  channelContext: z.array(contextMessage),
  botName: z.string().optional(),
  tenantName: z.string().optional(),
});

const triageInput = z.object({
  message: z.string(),
  language,
  channelContext: z.array(contextMessage),
  bestPassageScore: z.number().finite(),
});

const rewriteInput = z.object({
  question: z.string().trim().min(1, 'must not be empty'),
  language,
  knowledgeLanguages: z.array(language),
  headings: z.array(z.string()).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidAiInputError(what, result.error);
  return result.data;
}

export function validateAnswerInput(input: AnswerInput): void {
  parse(answerInput, input, 'answer input');
}

export function validateTriageInput(input: TriageInput): void {
  parse(triageInput, input, 'triage input');
}

export function validateRewriteInput(
  question: string,
  language: Language,
  knowledgeLanguages: Language[],
  headings: string[] | undefined,
): void {
  parse(rewriteInput, { question, language, knowledgeLanguages, headings }, 'query rewrite input');
}
