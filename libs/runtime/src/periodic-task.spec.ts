import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicTask } from './periodic-task.js';

describe('PeriodicTask', () => {
  it('never runs twice at once, reports a failed run and runs again, and stops after the run in progress', async () => {
    const errors: unknown[] = [];
    let running = 0;
    let mostAtOnce = 0;
    let runs = 0;
    let finished = 0;
    const task = new PeriodicTask(
      async () => {
        runs += 1;
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(30);
        running -= 1;
        finished += 1;
        if (runs === 1) throw new Error('first run fails');
      },
      5,
      (error) => errors.push(error),
    );
    task.start();
    await sleep(150);
    // Stop while a run is under way: stop() waits for it.
    while (running === 0) await sleep(1);
    await task.stop();
    expect(running).toBe(0);
    const runsAtStop = runs;

    expect(mostAtOnce).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([new Error('first run fails')]);
    // stop() waited for the run in progress, and no run starts after it.
    expect(finished).toBe(runs);
    expect(task.isStopped).toBe(true);
    await sleep(30);
    expect(runs).toBe(runsAtStop);
  });

  it('runs once at once when asked to, before the first interval has passed', async () => {
    let runs = 0;
    const task = new PeriodicTask(
      async () => {
        runs += 1;
      },
      60_000,
      () => undefined,
    );
    task.start({ immediately: true });
    await sleep(20);
    await task.stop();
    expect(runs).toBe(1);
  });
});
