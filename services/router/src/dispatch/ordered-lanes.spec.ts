import { setTimeout as sleep } from 'node:timers/promises';
import { OrderedLanes } from './ordered-lanes.js';

describe('OrderedLanes', () => {
  it('runs the work of one lane in order, even when earlier work is slower', async () => {
    const lanes = new OrderedLanes();
    const done: string[] = [];
    await Promise.all([
      lanes.run('guild-1', async () => {
        await sleep(30);
        done.push('create');
      }),
      lanes.run('guild-1', async () => {
        done.push('update');
      }),
    ]);
    expect(done).toEqual(['create', 'update']);
    expect(lanes.size).toBe(0);
  });

  it('lets different lanes overtake each other', async () => {
    const lanes = new OrderedLanes();
    const done: string[] = [];
    await Promise.all([
      lanes.run('guild-1', async () => {
        await sleep(30);
        done.push('slow guild');
      }),
      lanes.run('guild-2', async () => {
        done.push('fast guild');
      }),
    ]);
    expect(done).toEqual(['fast guild', 'slow guild']);
  });

  it('waits for the lanes named in `after`, and settled() waits for queued work', async () => {
    const lanes = new OrderedLanes();
    const done: string[] = [];
    const ready = lanes.run('app', async () => {
      await sleep(20);
      done.push('ready');
    });
    const guild = lanes.run('guild-1', async () => void done.push('guild'), ['app']);
    await lanes.settled(['app', 'guild-1']);
    done.push('message');
    await Promise.all([ready, guild]);
    expect(done).toEqual(['ready', 'guild', 'message']);
  });

  it('continues a lane after a failure and reports the failure to its caller', async () => {
    const lanes = new OrderedLanes();
    const failed = lanes.run('guild-1', async () => {
      throw new Error('database down');
    });
    const next = lanes.run('guild-1', async () => 'applied');
    await expect(failed).rejects.toThrow('database down');
    await expect(next).resolves.toBe('applied');
  });
});
