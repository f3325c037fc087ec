import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { AiEngineError } from '../errors.js';
import { SUPPORTED_LANGUAGES, type Language } from '../language/languages.js';

/**
 * The tools the model is forced to call: its decision arrives as JSON that matches a schema,
 * never as free text to be parsed. Each schema is written once in zod, which validates the
 * call and produces the JSON schema the API is given.
 */
const language = z.enum(SUPPORTED_LANGUAGES as [Language, ...Language[]]);

export const submitAnswerInput = z
  .object({
    outcome: z
      .enum(['answered', 'not_covered', 'wants_human'])
      .describe(
        'answered: the knowledge base answers the question. not_covered: it does not (say so honestly). ' +
          'wants_human: the member asks to talk to a person.',
      ),
    answer: z.string().describe("The reply to post in Discord, in the member's language."),
    source_document_ids: z
      .array(z.string())
      .describe('Ids of the knowledge base documents the answer is based on; empty unless answered.'),
    language: language.describe('The language code the answer is written in.'),
  })
  .refine((input) => input.outcome !== 'answered' || input.answer.trim().length > 0, {
    message: 'an answered outcome needs a non-empty answer',
    path: ['answer'],
  });
export type SubmitAnswerInput = z.infer<typeof submitAnswerInput>;

export const decideReplyInput = z.object({
  reply: z.boolean().describe('true when the bot should answer this message.'),
  reason: z.string().min(1).describe('A few words on why, for the logs.'),
});
export type DecideReplyInput = z.infer<typeof decideReplyInput>;

export const searchTermsInput = z.object({
  terms: z
    .array(z.string().min(1))
    .min(1)
    .max(24)
    .describe('Search words and short phrases, in the knowledge base language, most important first.'),
  language: language.describe('The language the terms are written in.'),
});
export type SearchTermsInput = z.infer<typeof searchTermsInput>;

export interface ToolDefinition<T> {
  name: string;
  schema: z.ZodType<T>;
  tool: Anthropic.Tool;
}

function defineTool<T>(name: string, description: string, schema: z.ZodType<T>): ToolDefinition<T> {
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return {
    name,
    schema,
    tool: { name, description, input_schema: inputSchema as Anthropic.Tool.InputSchema },
  };
}

export const SUBMIT_ANSWER = defineTool(
  'submit_answer',
  'Submit the reply to the member, or say that the knowledge base does not cover the question, or that they want a person.',
  submitAnswerInput,
);
export const DECIDE_REPLY = defineTool(
  'decide_reply',
  'Decide whether the support bot should reply to a message in a community channel.',
  decideReplyInput,
);
export const SEARCH_TERMS = defineTool(
  'search_terms',
  'Give the terms to search the knowledge base with.',
  searchTermsInput,
);

/** The input of the forced tool call in a response, validated; a missing or malformed call is a failure. */
export function toolInput<T>(message: Anthropic.Message, definition: ToolDefinition<T>): T {
  const call = message.content.find(
    (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === definition.name,
  );
  if (!call) {
    throw new AiEngineError(
      'malformed_tool_call',
      `The model did not call ${definition.name} (stop reason ${message.stop_reason})`,
    );
  }
  const parsed = definition.schema.safeParse(call.input);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`)
      .join('; ');
    throw new AiEngineError(
      'malformed_tool_call',
      `The model called ${definition.name} with invalid input: ${details}`,
    );
  }
  return parsed.data;
}
