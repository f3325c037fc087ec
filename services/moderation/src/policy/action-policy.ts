import {
  actionRank,
  FALLBACK_ACTION_CAP,
  MODERATION_ACTIONS,
  type ModerationAction,
  type ModerationSeverity,
  type ModerationVerdict,
} from '@steward/ai';

/** The actions the tenant switched on, as in the guild settings. */
export type EnabledActions = Readonly<Record<ModerationAction, boolean>>;

/** The actions that fit each severity, mildest first: a warning is too little for a clear violation, a ban too much for a mild one. */
export const SEVERITY_FIT: Readonly<Record<Exclude<ModerationSeverity, 'none'>, readonly [ModerationAction, ModerationAction]>> = {
  low: ['warn', 'delete'],
  medium: ['delete', 'timeout'],
  high: ['timeout', 'kick'],
  critical: ['kick', 'ban'],
};

export interface PolicyInput {
  verdict: ModerationVerdict;
  enabled: EnabledActions;
  /** Verdicts below this confidence lead to nothing. */
  minConfidence: number;
  /** The strongest action allowed at the moment (e.g. delete while quota cannot be verified). */
  ceiling?: ModerationAction;
}

export type NoActionReason = 'no_violation' | 'low_confidence' | 'no_action_recommended' | 'nothing_enabled';

export type PolicyDecision =
  | { action: ModerationAction; why: string }
  | { action: null; reason: NoActionReason };

/**
 * The final action, chosen by code rather than by the model: the mildest enabled action that
 * fits the verdict's severity; when none of those is enabled, the strongest enabled action below
 * them (a critical violation with only delete enabled is deleted); never an action that is not
 * enabled, never anything above the severity, nothing below the confidence threshold, and
 * nothing destructive on a fallback guess.
 */
export function chooseAction({ verdict, enabled, minConfidence, ceiling }: PolicyInput): PolicyDecision {
  if (!verdict.violation || verdict.severity === 'none') return { action: null, reason: 'no_violation' };
  if (!(verdict.confidence >= minConfidence)) return { action: null, reason: 'low_confidence' };
  if (verdict.recommendedAction === 'none') return { action: null, reason: 'no_action_recommended' };

  const [mildest, strongest] = SEVERITY_FIT[verdict.severity];
  let top = actionRank(strongest);
  if (verdict.fallback) top = Math.min(top, actionRank(FALLBACK_ACTION_CAP));
  if (ceiling) top = Math.min(top, actionRank(ceiling));
  const bottom = Math.min(actionRank(mildest), top);

  const switchedOn = MODERATION_ACTIONS.filter((action) => enabled[action]);
  const fitting = switchedOn.find((action) => actionRank(action) >= bottom && actionRank(action) <= top);
  if (fitting) return { action: fitting, why: `mildest enabled action for a ${verdict.severity} violation` };
  const lesser = switchedOn.filter((action) => actionRank(action) < bottom).at(-1);
  if (lesser) return { action: lesser, why: `strongest enabled action below what a ${verdict.severity} violation calls for` };
  return { action: null, reason: 'nothing_enabled' };
}
