import { InvalidAiInputError } from '../input-validation.js';
import { silentLogger, type PinoLike } from '../logger.js';
import { CircuitBreaker, type CircuitBreakerOptions } from '../resilient/circuit-breaker.js';
import { AnthropicProactiveWriter } from './anthropic-writer.js';
import { OfflineProactiveWriter } from './offline-writer.js';
import type { ProactivePost, ProactivePostInput, ProactiveWriter } from './proactive.js';

export interface ResilientProactiveWriterOptions extends CircuitBreakerOptions {
  logger?: PinoLike;
}

/** The model first; the offline writer when the model fails or its breaker is open. */
export class ResilientProactiveWriter implements ProactiveWriter {
  readonly name = 'resilient' as const;
  private readonly breaker: CircuitBreaker;
  private readonly logger: PinoLike;

  constructor(
    private readonly primary: ProactiveWriter,
    private readonly fallback: ProactiveWriter,
    options: ResilientProactiveWriterOptions = {},
  ) {
    this.breaker = new CircuitBreaker(options);
    this.logger = options.logger ?? silentLogger;
  }

  async composeProactivePost(input: ProactivePostInput, signal?: AbortSignal): Promise<ProactivePost> {
    if (!this.breaker.tryAcquire()) return this.fallback.composeProactivePost(input, signal);
    try {
      const post = await this.primary.composeProactivePost(input, signal);
      this.breaker.recordSuccess();
      return post;
    } catch (error) {
      if (error instanceof InvalidAiInputError || signal?.aborted) {
        this.breaker.release();
        throw error;
      }
      this.breaker.recordFailure();
      this.logger.warn(
        { engine: this.primary.name, operation: 'proactive', reason: (error as Error).message },
        'proactive post written offline: the model failed',
      );
      return this.fallback.composeProactivePost(input, signal);
    }
  }
}

export interface CreateProactiveWriterOptions {
  /** Without a key the offline writer alone writes posts. */
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  model?: string;
  timeoutMs?: number;
  maxRetries?: number;
  failureThreshold?: number;
  cooldownMs?: number;
  logger?: PinoLike;
}

/** Anthropic with the offline writer as fallback when a key is given, the offline writer otherwise. */
export function createProactiveWriter(options: CreateProactiveWriterOptions = {}): ProactiveWriter {
  const offline = new OfflineProactiveWriter();
  const apiKey = options.anthropicApiKey?.trim();
  if (!apiKey) return offline;
  const anthropic = new AnthropicProactiveWriter({
    apiKey,
    baseUrl: options.anthropicBaseUrl,
    model: options.model,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  return new ResilientProactiveWriter(anthropic, offline, {
    failureThreshold: options.failureThreshold,
    cooldownMs: options.cooldownMs,
    logger: options.logger,
  });
}
