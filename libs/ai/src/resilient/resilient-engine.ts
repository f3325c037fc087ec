import type {
  AiEngine,
  AnswerInput,
  AnswerResult,
  SearchQuery,
  TriageInput,
  TriageResult,
} from '../engine.js';
import { InvalidAiInputError } from '../input-validation.js';
import type { Language } from '../language/languages.js';
import { silentLogger, type PinoLike } from '../logger.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';

export interface ResilientEngineOptions extends CircuitBreakerOptions {
  logger?: PinoLike;
}

/** Whether calls currently reach the primary engine, as far as the logs have been told. */
type Health = 'healthy' | 'degraded' | 'open';

/**
 * The primary engine (Anthropic) with the offline engine behind it: a failed or timed-out
 * call is answered offline, and after repeated failures a circuit breaker sends calls straight
 * offline for a cool-down. `result.engine` tells which engine answered. Logs once per change of
 * health, not per call.
 */
export class ResilientEngine implements AiEngine {
  readonly name = 'resilient' as const;
  private readonly breaker: CircuitBreaker;
  private readonly logger: PinoLike;
  private health: Health = 'healthy';

  constructor(
    private readonly primary: AiEngine,
    private readonly fallback: AiEngine,
    options: ResilientEngineOptions = {},
  ) {
    this.breaker = new CircuitBreaker(options);
    this.logger = options.logger ?? silentLogger;
  }

  answer(input: AnswerInput, signal?: AbortSignal): Promise<AnswerResult> {
    return this.call(
      'answer',
      () => this.primary.answer(input, signal),
      () => this.fallback.answer(input, signal),
      signal,
    );
  }

  triage(input: TriageInput, signal?: AbortSignal): Promise<TriageResult> {
    return this.call(
      'triage',
      () => this.primary.triage(input, signal),
      () => this.fallback.triage(input, signal),
      signal,
    );
  }

  rewriteQuery(
    question: string,
    language: Language,
    knowledgeLanguages: Language[],
    headings?: string[],
    signal?: AbortSignal,
  ): Promise<SearchQuery> {
    return this.call(
      'rewriteQuery',
      () => this.primary.rewriteQuery(question, language, knowledgeLanguages, headings, signal),
      () => this.fallback.rewriteQuery(question, language, knowledgeLanguages, headings, signal),
      signal,
    );
  }

  private async call<T>(
    operation: string,
    primary: () => Promise<T>,
    fallback: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (!this.breaker.tryAcquire()) return fallback();
    try {
      const result = await primary();
      this.breaker.recordSuccess();
      this.changeHealth('healthy', operation);
      return result;
    } catch (error) {
      // Neither a caller's mistake nor a caller's abort says anything about the primary engine.
      if (error instanceof InvalidAiInputError || signal?.aborted) {
        this.breaker.release();
        throw error;
      }
      this.breaker.recordFailure();
      this.changeHealth(this.breaker.state === 'open' ? 'open' : 'degraded', operation, error);
      return fallback();
    }
  }

  private changeHealth(next: Health, operation: string, error?: unknown): void {
    if (next === this.health) return;
    const previous = this.health;
    this.health = next;
    const reason = error instanceof Error ? error.message : error === undefined ? undefined : String(error);
    const failure = (error as { reason?: string } | undefined)?.reason;
    if (next === 'healthy') {
      this.logger.info({ engine: this.primary.name, operation, previous }, 'AI engine answering again');
    } else if (next === 'open') {
      this.logger.warn(
        { engine: this.primary.name, operation, failure, reason },
        'AI engine keeps failing; answering offline during the cool-down',
      );
    } else {
      this.logger.warn(
        { engine: this.primary.name, operation, failure, reason },
        'AI engine call failed; answering offline',
      );
    }
  }
}
