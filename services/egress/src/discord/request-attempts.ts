import { AsyncLocalStorage } from 'node:async_hooks';
import { DefaultRestOptions, type RESTOptions } from '@discordjs/rest';

type MakeRequest = RESTOptions['makeRequest'];

/**
 * How many HTTP requests @discordjs/rest made for one call: it repeats a call on a 5xx or a
 * timeout by itself, and an earlier try may have been carried out although its answer was lost.
 */
const attempts = new AsyncLocalStorage<{ count: number }>();

/** Counts each HTTP request towards the call it is made for (see `withAttemptCount`). */
export function countingMakeRequest(makeRequest: MakeRequest = DefaultRestOptions.makeRequest): MakeRequest {
  return (url, init) => {
    const current = attempts.getStore();
    if (current) current.count += 1;
    return makeRequest(url, init);
  };
}

/** Runs a REST call and says how many HTTP requests it took, whether it succeeded or not. */
export async function withAttemptCount<T>(
  call: () => Promise<T>,
): Promise<{ ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number }> {
  const counter = { count: 0 };
  try {
    const value = await attempts.run(counter, call);
    return { ok: true, value, attempts: counter.count };
  } catch (error) {
    return { ok: false, error, attempts: counter.count };
  }
}
