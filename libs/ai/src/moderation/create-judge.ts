import { InvalidAiInputError } from '../input-validation.js';
import { silentLogger, type PinoLike } from '../logger.js';
import { CircuitBreaker, type CircuitBreakerOptions } from '../resilient/circuit-breaker.js';
import { AnthropicModerationJudge } from './anthropic-judge.js';
import {
  actionRank,
  type ModerationInput,
  type ModerationJudge,
  type ModerationVerdict,
  type RecommendedAction,
} from './moderation.js';
import { OfflineModerationJudge } from './offline-judge.js';

/** The strongest action a fallback verdict may recommend: a guess removes a message, never a member. */
export const FALLBACK_ACTION_CAP: RecommendedAction = 'delete';

/** A fallback verdict, capped: never a timeout, kick or ban on the offline judge's guess. */
export function capFallbackVerdict(verdict: ModerationVerdict): ModerationVerdict {
  const capped =
    actionRank(verdict.recommendedAction) > actionRank(FALLBACK_ACTION_CAP) ? FALLBACK_ACTION_CAP : verdict.recommendedAction;
  return { ...verdict, recommendedAction: capped, fallback: true };
}

export interface ResilientModerationJudgeOptions extends CircuitBreakerOptions {
  logger?: PinoLike;
}

/**
 * The model first, the offline judge when the model fails or its breaker is open. A fallback
 * verdict is flagged (`fallback: true`) and its recommended action capped at delete: when
 * Anthropic is down, Steward still removes obvious spam but takes no destructive action on a guess.
 */
export class ResilientModerationJudge implements ModerationJudge {
  readonly name = 'resilient' as const;
  private readonly breaker: CircuitBreaker;
  private readonly logger: PinoLike;
  private degraded = false;

  constructor(
    private readonly primary: ModerationJudge,
    private readonly fallback: ModerationJudge,
    options: ResilientModerationJudgeOptions = {},
  ) {
    this.breaker = new CircuitBreaker(options);
    this.logger = options.logger ?? silentLogger;
  }

  async judge(input: ModerationInput, signal?: AbortSignal): Promise<ModerationVerdict> {
    if (!this.breaker.tryAcquire()) return capFallbackVerdict(await this.fallback.judge(input, signal));
    try {
      const verdict = await this.primary.judge(input, signal);
      this.breaker.recordSuccess();
      if (this.degraded) {
        this.degraded = false;
        this.logger.info({ engine: this.primary.name, operation: 'moderation' }, 'moderation judge answering again');
      }
      return verdict;
    } catch (error) {
      if (error instanceof InvalidAiInputError || signal?.aborted) {
        this.breaker.release();
        throw error;
      }
      this.breaker.recordFailure();
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn(
          { engine: this.primary.name, operation: 'moderation', failure: (error as { reason?: string }).reason, reason: (error as Error).message },
          'moderation judge failed; judging offline, without destructive actions',
        );
      }
      return capFallbackVerdict(await this.fallback.judge(input, signal));
    }
  }
}

export interface CreateModerationJudgeOptions {
  /** Without a key the offline judge alone decides. */
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  /** The fast model. */
  model?: string;
  timeoutMs?: number;
  maxRetries?: number;
  failureThreshold?: number;
  cooldownMs?: number;
  logger?: PinoLike;
}

/** Anthropic with the offline judge as a capped fallback when a key is given, the offline judge otherwise. */
export function createModerationJudge(options: CreateModerationJudgeOptions = {}): ModerationJudge {
  const offline = new OfflineModerationJudge();
  const apiKey = options.anthropicApiKey?.trim();
  if (!apiKey) {
    options.logger?.info({ engine: 'offline' }, 'No Anthropic API key: moderating with the offline judge');
    return offline;
  }
  const anthropic = new AnthropicModerationJudge({
    apiKey,
    baseUrl: options.anthropicBaseUrl,
    model: options.model,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  return new ResilientModerationJudge(anthropic, offline, {
    failureThreshold: options.failureThreshold,
    cooldownMs: options.cooldownMs,
    logger: options.logger,
  });
}
