import type { KV } from '@nats-io/kv';
import { KvIdentifyThrottler } from './kv-identify-throttler.js';

/**
 * The throttler's loop against a KV that fails the way NATS does in a hiccup (a request that
 * times out). The real bucket shared by replicas is exercised in test/identify-throttle.spec.ts.
 */
function flakyKv(failures: { get?: number; create?: number }) {
  const calls = { get: 0, create: 0 };
  const fail = (operation: 'get' | 'create') => {
    calls[operation]++;
    if ((failures[operation] ?? 0) >= calls[operation]) throw new Error('TIMEOUT');
  };
  const kv = {
    async get() {
      fail('get');
      return null;
    },
    async create() {
      fail('create');
      return 1;
    },
  } as unknown as KV;
  return { kv, calls };
}

const throttler = (kv: KV) => new KvIdentifyThrottler({ kv, applicationId: '1', maxConcurrency: 1, intervalMs: 50 });

describe('identify throttle over KV', () => {
  it('waits out KV failures instead of throwing, so the shard never identifies without it', async () => {
    const { kv, calls } = flakyKv({ get: 2, create: 1 });
    await expect(throttler(kv).waitForIdentify(0, new AbortController().signal)).resolves.toBeUndefined();
    expect(calls).toEqual({ get: 4, create: 2 });
  });

  it('stops waiting when the shard is stopped', async () => {
    const { kv } = flakyKv({ get: Number.MAX_SAFE_INTEGER });
    const stopping = new AbortController();
    const waiting = throttler(kv).waitForIdentify(0, stopping.signal);
    setTimeout(() => stopping.abort(), 150);
    await expect(waiting).rejects.toThrow(/abort/i);
  });
});
