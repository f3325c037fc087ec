import type { TriageInput } from '../engine.js';
import { isObviousChatter } from '../signals/chatter.js';
import { detectHumanRequest } from '../signals/human-request.js';
import { hasInterrogative, hasQuestionMark, hasTroubleWords } from '../signals/question-signals.js';

export interface TriageOptions {
  /** A retrieval score from which the knowledge base likely covers the message. */
  relevantPassageScore: number;
  /** How many of the latest channel messages are checked for a staff member already answering. */
  staffLookback: number;
}

export const DEFAULT_TRIAGE_OPTIONS: TriageOptions = { relevantPassageScore: 0.1, staffLookback: 2 };

export interface TriageDecision {
  reply: boolean;
  reason: string;
}

/**
 * Whether the bot should reply to a message in smart mode, without a model: it replies to
 * questions the knowledge base likely covers and to members who are stuck, and steps back
 * from chat and from conversations a staff member is already handling.
 */
export function triageOffline(input: TriageInput, options: TriageOptions): TriageDecision {
  const { message, language, channelContext, bestPassageScore } = input;
  if (isObviousChatter(message)) return { reply: false, reason: 'chatter' };
  if (detectHumanRequest(message)) return { reply: true, reason: 'asks for a person' };
  if (channelContext.slice(-options.staffLookback).some((m) => m.isStaff)) {
    return { reply: false, reason: 'a staff member is already answering' };
  }

  const isQuestion = hasQuestionMark(message) || hasInterrogative(message, language);
  const isStuck = hasTroubleWords(message, language);
  const isCovered = bestPassageScore >= options.relevantPassageScore;
  if (isQuestion && isCovered) return { reply: true, reason: 'question the knowledge base covers' };
  if (isStuck) return { reply: true, reason: 'member reports a problem' };
  if (isQuestion) return { reply: false, reason: 'question outside the knowledge base' };
  return { reply: false, reason: 'no question or problem' };
}
