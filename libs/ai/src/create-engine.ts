import { AnthropicEngine } from './anthropic/anthropic-engine.js';
import type { AiEngine } from './engine.js';
import type { PinoLike } from './logger.js';
import { OfflineEngine, type OfflineEngineOptions } from './offline/offline-engine.js';
import { ResilientEngine } from './resilient/resilient-engine.js';

export interface CreateAiEngineOptions {
  /** Without a key Steward runs on the offline engine alone. */
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  answerModel?: string;
  fastModel?: string;
  /** The time one model call may take, retries included, before it is answered offline. */
  timeoutMs?: number;
  /** Retries of a failed request before it counts as a failure (default 2). */
  maxRetries?: number;
  /** Consecutive failures that open the circuit breaker (default 3). */
  failureThreshold?: number;
  /** How long the open breaker answers everything offline (default 30 s). */
  cooldownMs?: number;
  offline?: OfflineEngineOptions;
  logger?: PinoLike;
}

/** Anthropic with the offline engine as fallback when a key is given, the offline engine otherwise. */
export function createAiEngine(options: CreateAiEngineOptions = {}): AiEngine {
  const offline = new OfflineEngine(options.offline);
  const apiKey = options.anthropicApiKey?.trim();
  if (!apiKey) {
    options.logger?.info({ engine: 'offline' }, 'No Anthropic API key: answering with the offline engine');
    return offline;
  }
  const anthropic = new AnthropicEngine({
    apiKey,
    baseUrl: options.anthropicBaseUrl,
    answerModel: options.answerModel,
    fastModel: options.fastModel,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  return new ResilientEngine(anthropic, offline, {
    failureThreshold: options.failureThreshold,
    cooldownMs: options.cooldownMs,
    logger: options.logger,
  });
}
