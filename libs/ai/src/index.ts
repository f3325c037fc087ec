export type {
  AiEngine,
  AnswerInput,
  AnswerKind,
  AnswerResult,
  ContextMessage,
  EngineName,
  HistoryTurn,
  KnowledgePassage,
  SearchQuery,
  TokenUsage,
  TriageInput,
  TriageResult,
} from './engine.js';
export {
  SUPPORTED_LANGUAGES,
  isLanguage,
  languageFromLocale,
  textSearchConfig,
  type Language,
} from './language/languages.js';
export { detectLanguage } from './language/detect-language.js';
export { isObviousChatter } from './signals/chatter.js';
export { detectHumanRequest } from './signals/human-request.js';
export { ESCALATION_TEXT, NO_ANSWER_TEXT } from './phrases.js';
export { createAiEngine, type CreateAiEngineOptions } from './create-engine.js';
export { OfflineEngine, type OfflineEngineOptions } from './offline/offline-engine.js';
export { rewriteQueryOffline } from './offline/query-rewrite.js';
export {
  AnthropicEngine,
  DEFAULT_ANSWER_MODEL,
  DEFAULT_FAST_MODEL,
  DEFAULT_TIMEOUT_MS,
  type AnthropicEngineOptions,
} from './anthropic/anthropic-engine.js';
export { DEFAULT_MAX_RETRIES, type AnthropicConnection } from './anthropic/anthropic-client.js';
export { ResilientEngine, type ResilientEngineOptions } from './resilient/resilient-engine.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './resilient/circuit-breaker.js';
export { AiEngineError, type AiFailureReason } from './errors.js';
export { InvalidAiInputError } from './input-validation.js';
export type { PinoLike } from './logger.js';
export * from './moderation/index.js';
export * from './proactive/index.js';
