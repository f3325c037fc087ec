import { describe, expect, it } from '@jest/globals';
import { GroupCommit } from './group-commit.js';

/** A batch runner whose batches finish when the test says so. */
function controlledRunner() {
  const batches: Array<{ items: number[]; finish(): void; fail(error: Error): void }> = [];
  const run = (items: number[]) =>
    new Promise<Array<PromiseSettledResult<string>>>((resolve, reject) => {
      batches.push({
        items,
        // Odd hundreds fail on their own, the rest succeed.
        finish: () =>
          resolve(
            items.map((item) =>
              item >= 100 && item % 2 === 1
                ? { status: 'rejected', reason: new Error(`item ${item} failed`) }
                : { status: 'fulfilled', value: `done ${item}` },
            ),
          ),
        fail: reject,
      });
    });
  return { batches, run };
}

/** Lets finished batches settle and the next batch leave (it leaves on the turn after). */
const turn = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
};

describe('GroupCommit', () => {
  it('sends what arrives in one turn together, and what arrives meanwhile in the next batch', async () => {
    const { batches, run } = controlledRunner();
    const commit = new GroupCommit(run, { maxInFlight: 1, maxBatch: 100 });
    const first = [1, 2, 3].map((item) => commit.submit(item));
    await turn();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2, 3]]);

    const second = [4, 5].map((item) => commit.submit(item));
    await turn();
    expect(batches).toHaveLength(1); // the only slot is taken

    batches[0]!.finish();
    expect(await Promise.all(first)).toEqual(['done 1', 'done 2', 'done 3']);
    await turn();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2, 3], [4, 5]]);
    batches[1]!.finish();
    expect(await Promise.all(second)).toEqual(['done 4', 'done 5']);
  });

  it('splits a long queue at maxBatch and runs up to maxInFlight batches at once', async () => {
    const { batches, run } = controlledRunner();
    const commit = new GroupCommit(run, { maxInFlight: 2, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((item) => commit.submit(item));
    await turn();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2], [3, 4]]);
    batches[1]!.finish();
    await turn();
    expect(batches.map((batch) => batch.items)).toEqual([[1, 2], [3, 4], [5]]);
    batches[0]!.finish();
    batches[2]!.finish();
    expect(await Promise.all(all)).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
  });

  it('settles each item of a batch on its own', async () => {
    const { batches, run } = controlledRunner();
    const commit = new GroupCommit(run, { maxInFlight: 1, maxBatch: 10 });
    const [good, bad] = [100, 101].map((item) => commit.submit(item));
    await turn();
    batches[0]!.finish();
    expect(await good).toBe('done 100');
    await expect(bad).rejects.toThrow('item 101 failed');
  });

  it('fails every item of a failed batch and goes on with the next', async () => {
    const { batches, run } = controlledRunner();
    const commit = new GroupCommit(run, { maxInFlight: 1, maxBatch: 10 });
    const doomed = [1, 2].map((item) => commit.submit(item));
    await turn();
    const later = commit.submit(3);
    batches[0]!.fail(new Error('database went away'));
    for (const item of doomed) await expect(item).rejects.toThrow('database went away');
    await turn();
    batches[1]!.finish();
    expect(await later).toBe('done 3');
  });
});
