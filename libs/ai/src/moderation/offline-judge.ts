import {
  detectFlood,
  detectInviteLink,
  detectMassMention,
  detectProfanity,
  detectTenantPatterns,
  parseRules,
  ruleFor,
  type Finding,
} from './detectors.js';
import {
  MODERATION_SEVERITIES,
  noViolation,
  validateModerationInput,
  type ModerationInput,
  type ModerationJudge,
  type ModerationVerdict,
} from './moderation.js';

export interface OfflineModerationJudgeOptions {
  now?: () => number;
}

/**
 * Moderation without a model: the tenant's explicit patterns plus built-in detectors for
 * invite links, mass mentions, repeated-message floods and slurs (and profanity, when the
 * rules forbid it). It only recognises what it can see for certain; plain-language rules it
 * cannot read ("no selling accounts") are left to the model.
 */
export class OfflineModerationJudge implements ModerationJudge {
  readonly name = 'offline' as const;
  private readonly now: () => number;

  constructor(options: OfflineModerationJudgeOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async judge(input: ModerationInput): Promise<ModerationVerdict> {
    validateModerationInput(input);
    return this.judgeNow(input);
  }

  /** The same verdict, synchronously (no I/O happens offline). */
  judgeNow(input: ModerationInput): ModerationVerdict {
    const rules = parseRules(input.rules);
    const text = input.message;
    const findings: Finding[] = [...detectTenantPatterns(text, rules)];
    const builtIn = [
      detectInviteLink(text),
      detectMassMention(text),
      detectFlood(text, { id: input.authorId, name: input.authorName }, input.recentChannelMessages, this.now()),
      detectProfanity(text),
    ];
    for (const finding of builtIn) {
      if (!finding) continue;
      // Swearing is a matter of the server's taste: only when its rules say so.
      if (finding.detector === 'profanity' && ruleFor(finding, rules) === 'No profanity') continue;
      findings.push(finding);
    }
    const worst = mostSevere(findings);
    if (!worst) return noViolation(this.name, 'No rule pattern or built-in detector matched.', 0.6);
    return {
      violation: true,
      rule: ruleFor(worst, rules),
      severity: worst.severity,
      recommendedAction: worst.recommendedAction,
      confidence: worst.confidence,
      reason: worst.reason,
      engine: this.name,
    };
  }
}

function mostSevere(findings: readonly Finding[]): Finding | undefined {
  let worst: Finding | undefined;
  for (const finding of findings) {
    if (
      !worst ||
      MODERATION_SEVERITIES.indexOf(finding.severity) > MODERATION_SEVERITIES.indexOf(worst.severity) ||
      (finding.severity === worst.severity && finding.confidence > worst.confidence)
    ) {
      worst = finding;
    }
  }
  return worst;
}
