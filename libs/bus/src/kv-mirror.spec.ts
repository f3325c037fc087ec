import type { KV } from '@nats-io/kv';
import { eventually, sleep } from '../test/eventually.js';
import { mirrorKv, type MirroredEntry } from './kv-mirror.js';

const put = (key: string, revision: number, value = `v${revision}`): MirroredEntry => ({
  key,
  revision,
  operation: 'PUT',
  value: new TextEncoder().encode(value),
});
const del = (key: string, revision: number): MirroredEntry => ({ key, revision, operation: 'DEL', value: new Uint8Array() });

/**
 * A bucket whose watch and snapshot reads the test releases in any order, to reproduce the
 * overlap a real bucket shows when it changes while a mirror starts.
 */
function controlledBucket(snapshot: Record<string, MirroredEntry>) {
  let watched: MirroredEntry[] = [];
  let wake: (() => void) | undefined;
  let ending: { error?: Error } | undefined;
  const watchCalls: unknown[] = [];
  const gets = new Map<string, () => void>();
  const kv = {
    watch: async (options?: unknown) => {
      watchCalls.push(options);
      // Each watch reads its own changes; ending one leaves the next one fresh.
      watched = [];
      ending = undefined;
      return {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            while (watched.length) yield watched.shift()!;
            if (ending?.error) throw ending.error;
            if (ending) return;
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        stop: () => undefined,
      };
    },
    keys: async () => (async function* () {
      yield* Object.keys(snapshot);
    })(),
    get: (key: string) => new Promise((resolve) => gets.set(key, () => resolve(snapshot[key]))),
  } as unknown as KV;
  return {
    kv,
    watchCalls,
    watch(entry: MirroredEntry) {
      watched.push(entry);
      wake?.();
    },
    /** The current watch ends by itself, or fails with `error`. */
    endWatch(error?: Error) {
      ending = { error };
      wake?.();
    },
    async releaseGet(key: string) {
      await new Promise((resolve) => setImmediate(resolve));
      gets.get(key)!();
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('mirrorKv', () => {
  it('hands each key its changes in order when the snapshot and the watch overlap', async () => {
    const bucket = controlledBucket({ a: put('a', 5), b: put('b', 3) });
    const seen: string[] = [];
    const started = mirrorKv(bucket.kv, (entry) => seen.push(`${entry.key}@${entry.revision}`));
    await settle();
    // The watch brings a newer change of `a` before the snapshot read of `a` comes back.
    bucket.watch(put('a', 7));
    await settle();
    await bucket.releaseGet('a'); // revision 5: older than what was applied, dropped
    await bucket.releaseGet('b');
    await started;
    // A watch entry older than the snapshot's (still in flight when the snapshot ended) is dropped,
    // and a delete after the snapshot is applied, after which later changes flow as they come.
    bucket.watch(put('b', 2));
    bucket.watch(del('b', 8));
    bucket.watch(put('b', 9));
    await settle();
    expect(seen).toEqual(['a@7', 'b@3', 'b@8', 'b@9']);
  });

  it("watches again from every key's current value when the watch ends or fails by itself", async () => {
    const bucket = controlledBucket({ a: put('a', 5) });
    const seen: string[] = [];
    const interruptions: unknown[] = [];
    const started = mirrorKv(bucket.kv, (entry) => seen.push(`${entry.key}@${entry.revision}`), {
      rewatchDelayMs: 0,
      onInterrupted: (error) => interruptions.push(error),
    });
    await bucket.releaseGet('a');
    const stop = await started;

    bucket.endWatch();
    await eventually(() => bucket.watchCalls.length === 2);
    // A re-created bucket numbers its revisions afresh: the new watch's entries count as they come.
    bucket.watch(put('a', 1));
    bucket.watch(put('b', 2));
    await eventually(() => seen.length === 3);
    const lost = new Error('consumer deleted');
    bucket.endWatch(lost);
    await eventually(() => bucket.watchCalls.length === 3);
    bucket.watch(put('b', 3));
    await eventually(() => seen.length === 4);
    stop();

    expect(seen).toEqual(['a@5', 'a@1', 'b@2', 'b@3']);
    expect(bucket.watchCalls).toEqual([{ include: 'updates' }, undefined, undefined]);
    expect(interruptions).toEqual([undefined, lost]);
  });

  it('does not watch again once stopped', async () => {
    const bucket = controlledBucket({});
    const stop = await mirrorKv(bucket.kv, () => undefined, { rewatchDelayMs: 20 });
    bucket.endWatch();
    await settle();
    stop();
    await sleep(60);
    expect(bucket.watchCalls).toHaveLength(1);
  });
});
