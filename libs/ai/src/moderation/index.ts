export {
  DESTRUCTIVE_ACTIONS,
  MODERATION_ACTIONS,
  MODERATION_SEVERITIES,
  actionRank,
  type ModerationAction,
  type ModerationContextMessage,
  type ModerationInput,
  type ModerationJudge,
  type ModerationSeverity,
  type ModerationVerdict,
  type RecommendedAction,
} from './moderation.js';
export { OfflineModerationJudge, type OfflineModerationJudgeOptions } from './offline-judge.js';
export {
  AnthropicModerationJudge,
  DEFAULT_MODERATION_TIMEOUT_MS,
  type AnthropicModerationJudgeOptions,
} from './anthropic-judge.js';
export {
  FALLBACK_ACTION_CAP,
  ResilientModerationJudge,
  capFallbackVerdict,
  createModerationJudge,
  type CreateModerationJudgeOptions,
  type ResilientModerationJudgeOptions,
} from './create-judge.js';
export { parseRules, type ParsedRules, type RulePattern } from './detectors.js';
