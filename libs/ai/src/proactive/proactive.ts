import { z } from 'zod';
import type { EngineName, KnowledgePassage, TokenUsage } from '../engine.js';
import { InvalidAiInputError } from '../input-validation.js';
import { SUPPORTED_LANGUAGES, type Language } from '../language/languages.js';

/** What a scheduled post is written from. */
export interface ProactivePostInput {
  /** What the post is about, as the tenant wrote it ("tips for new users"). */
  topic: string;
  /** The knowledge passages retrieval found for the topic, best first. */
  passages: KnowledgePassage[];
  /** The latest posts in the channel, newest first: the new post must not repeat them. */
  recentPosts: string[];
  language: Language;
}

export interface ProactivePost {
  text: string;
  /** The documents the post draws on; a subset of the given passages' ids. */
  sourceDocumentIds: string[];
  engine: EngineName;
  usage?: TokenUsage;
}

/** Writes scheduled community posts. */
export interface ProactiveWriter {
  readonly name: EngineName | 'resilient';
  composeProactivePost(input: ProactivePostInput, signal?: AbortSignal): Promise<ProactivePost>;
}

/** Discord's message limit; a post stays well under it. */
export const PROACTIVE_POST_MAX_CHARS = 1_500;

const language = z.enum(SUPPORTED_LANGUAGES as [Language, ...Language[]]);

const proactivePostInput = z.object({
  topic: z.string().trim().min(1, 'must not be empty').max(200),
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
  recentPosts: z.array(z.string()).max(50),
  language,
});

export function validateProactivePostInput(input: ProactivePostInput): void {
  const result = proactivePostInput.safeParse(input);
  if (!result.success) throw new InvalidAiInputError('proactive post input', result.error);
}
