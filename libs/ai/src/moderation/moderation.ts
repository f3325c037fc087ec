import { z } from 'zod';
import { SUPPORTED_LANGUAGES, type Language } from '../language/languages.js';
import type { EngineName, TokenUsage } from '../engine.js';
import { InvalidAiInputError } from '../input-validation.js';

/** How bad a violation is; `none` when there is none. */
export const MODERATION_SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type ModerationSeverity = (typeof MODERATION_SEVERITIES)[number];

/**
 * What can be done about a message, mildest first: a warning leaves the message standing,
 * a delete removes it, a timeout silences the member, a kick removes them, a ban keeps them out.
 */
export const MODERATION_ACTIONS = ['warn', 'delete', 'timeout', 'kick', 'ban'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export type RecommendedAction = 'none' | ModerationAction;

/** Actions that remove or silence a member: never taken on a guess. */
export const DESTRUCTIVE_ACTIONS: ReadonlySet<ModerationAction> = new Set(['timeout', 'kick', 'ban']);

/** Position on the mildest-first ladder; `none` is 0. */
export function actionRank(action: RecommendedAction): number {
  return action === 'none' ? 0 : MODERATION_ACTIONS.indexOf(action) + 1;
}

/** A recent message of the channel, oldest first; the judge reads it as data. */
export interface ModerationContextMessage {
  authorId?: string;
  author: string;
  content: string;
  sentAtMs?: number;
}

export interface ModerationInput {
  /** The text to judge (the message content, or the whole new content of an edit). */
  message: string;
  authorName: string;
  /** Lets the flood detector recognise the author's own earlier messages by id rather than name. */
  authorId?: string;
  channelName?: string;
  /** Recent messages of the channel, oldest first; the author's own ones reveal floods. */
  recentChannelMessages: ModerationContextMessage[];
  /** The tenant's rules, in plain language; lines like `/regex/i` or "quoted words" are patterns. */
  rules: string;
  language: Language;
}

export interface ModerationVerdict {
  violation: boolean;
  /** The rule broken, in the tenant's words when it can be named. */
  rule?: string;
  severity: ModerationSeverity;
  recommendedAction: RecommendedAction;
  /** How sure the judge is, 0..1. */
  confidence: number;
  reason: string;
  engine: EngineName;
  /** Set when the primary judge failed and the offline judge answered instead. */
  fallback?: boolean;
  /** Model tokens the verdict cost (model judges only). */
  usage?: TokenUsage;
}

export interface ModerationJudge {
  readonly name: EngineName | 'resilient';
  judge(input: ModerationInput, signal?: AbortSignal): Promise<ModerationVerdict>;
}

export const NO_VIOLATION_REASON = 'No rule is broken.';

export function noViolation(engine: EngineName, reason = NO_VIOLATION_REASON, confidence = 1): ModerationVerdict {
  return { violation: false, severity: 'none', recommendedAction: 'none', confidence, reason, engine };
}

const moderationInput = z.object({
  message: z.string().max(20_000, 'must be at most 20000 characters'),
  authorName: z.string(),
  authorId: z.string().optional(),
  channelName: z.string().optional(),
  recentChannelMessages: z
    .array(
      z.object({
        authorId: z.string().optional(),
        author: z.string(),
        content: z.string(),
        sentAtMs: z.number().finite().optional(),
      }),
    )
    .max(200, 'must hold at most 200 messages'),
  rules: z.string().max(10_000, 'must be at most 10000 characters'),
  language: z.enum(SUPPORTED_LANGUAGES as [Language, ...Language[]]),
});

export function validateModerationInput(input: ModerationInput): void {
  const result = moderationInput.safeParse(input);
  if (!result.success) throw new InvalidAiInputError('moderation input', result.error);
}
