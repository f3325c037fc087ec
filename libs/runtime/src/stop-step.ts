import type { Logger } from '@steward/telemetry';

/** How long one step of a stop may take before the log says what the stop is waiting for. */
export const STOP_STEP_WARN_MS = 5_000;

/**
 * Runs one step of a graceful stop. While the step lasts longer than `warnEveryMs`, a warning
 * names it each time that passes, so a pod stuck in Terminating says what it is waiting for.
 */
export async function stopStep<T>(
  logger: Pick<Logger, 'warn'>,
  step: string,
  run: () => Promise<T>,
  warnEveryMs = STOP_STEP_WARN_MS,
): Promise<T> {
  const started = Date.now();
  const reminder = setInterval(
    () => logger.warn({ step, waitedMs: Date.now() - started }, `stopping: still waiting for ${step}`),
    warnEveryMs,
  );
  reminder.unref();
  try {
    return await run();
  } finally {
    clearInterval(reminder);
  }
}
