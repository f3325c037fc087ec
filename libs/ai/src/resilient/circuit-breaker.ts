export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit sends every call elsewhere before one trial call is let through. */
  cooldownMs?: number;
  now?: () => number;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_COOLDOWN_MS = 30_000;

/**
 * Stops calling a failing dependency for a while: after `failureThreshold` consecutive
 * failures it opens for `cooldownMs`, then lets one trial call through (half open); that
 * call's success closes it, its failure opens it again.
 */
export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private consecutiveFailures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: CircuitState = 'closed';

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new Error(`failureThreshold must be a positive integer, got ${options.failureThreshold}`);
    }
    if (!(this.cooldownMs >= 0))
      throw new Error(`cooldownMs must not be negative, got ${options.cooldownMs}`);
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Whether a call may go to the dependency now; in half-open state only one at a time. */
  tryAcquire(): boolean {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs) this.current = 'half_open';
    if (this.current === 'closed') return true;
    if (this.current === 'half_open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.trialInFlight = false;
    this.current = 'closed';
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    this.trialInFlight = false;
    if (this.current === 'half_open' || this.consecutiveFailures >= this.failureThreshold) {
      this.current = 'open';
      this.openedAt = this.now();
    }
  }

  /** Forgets a trial call that ended without telling whether the dependency works (it was aborted). */
  release(): void {
    this.trialInFlight = false;
  }
}
