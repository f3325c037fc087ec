import { describe, expect, it } from '@jest/globals';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value the predicate returns', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 5 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throwing predicate as not yet, and names the last error on timeout', async () => {
    const started = Date.now();
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 100, intervalMs: 10, message: 'the queue to drain' },
      ),
    ).rejects.toThrow('Timed out after 100 ms waiting for the queue to drain: last error: connection refused');
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('rejects options that could never finish', async () => {
    await expect(waitFor(() => true, { timeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});
