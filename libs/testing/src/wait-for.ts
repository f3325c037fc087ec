import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Time between two checks (default 50 ms). */
  intervalMs?: number;
  /** What was awaited, for the error on timeout. */
  message?: string;
}

/**
 * Polls `predicate` until it returns a truthy value, and resolves with that value. A
 * predicate that throws counts as "not yet"; its last error is reported on timeout.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 50, message }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  if (!(timeoutMs > 0) || !(intervalMs > 0)) throw new RangeError('waitFor needs a positive timeoutMs and intervalMs');
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const reason = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message ?? 'a condition'}${reason}`, { cause: lastError });
}
