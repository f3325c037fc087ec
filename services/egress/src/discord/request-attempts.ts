import { AsyncLocalStorage } from 'node:async_hooks';
import { DefaultRestOptions, type RESTOptions } from '@discordjs/rest';

type MakeRequest = RESTOptions['makeRequest'];

/**
 * The tries of one REST call whose outcome is unknown: @discordjs/rest repeats a call by itself
 * after a 5xx or a timeout, and such a try may have been carried out with its answer lost. (A
 * 429 is a refusal: Discord did nothing.)
 */
const uncertainTries = new AsyncLocalStorage<{ count: number }>();

/** Counts each try that failed or drew a 5xx towards the call it was made for (see `withUncertainTries`). */
export function countingMakeRequest(makeRequest: MakeRequest = DefaultRestOptions.makeRequest): MakeRequest {
  return async (url, init) => {
    const current = uncertainTries.getStore();
    try {
      const response = await makeRequest(url, init);
      if (current && response.status >= 500) current.count += 1;
      return response;
    } catch (error) {
      if (current) current.count += 1;
      throw error;
    }
  };
}

/** Runs a REST call and says how many of its tries may have been carried out unseen, whether it succeeded or not. */
export async function withUncertainTries<T>(
  call: () => Promise<T>,
): Promise<{ ok: true; value: T; uncertain: number } | { ok: false; error: unknown; uncertain: number }> {
  const counter = { count: 0 };
  try {
    const value = await uncertainTries.run(counter, call);
    return { ok: true, value, uncertain: counter.count };
  } catch (error) {
    return { ok: false, error, uncertain: counter.count };
  }
}
