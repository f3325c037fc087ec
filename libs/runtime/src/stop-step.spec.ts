import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopStep } from './stop-step.js';

function recordingLogger() {
  const warnings: Array<{ context: Record<string, unknown>; message: string }> = [];
  return {
    warnings,
    warn: (context: Record<string, unknown>, message: string) => warnings.push({ context, message }),
  };
}

describe('stopStep', () => {
  it('names a step that outlasts the interval, once per interval, and stops once the step is done', async () => {
    const logger = recordingLogger();
    const result = await stopStep(logger as never, 'the modules to stop', () => sleep(130, 'done'), 50);
    expect(result).toBe('done');
    expect(logger.warnings.map((warning) => warning.message)).toEqual([
      'stopping: still waiting for the modules to stop',
      'stopping: still waiting for the modules to stop',
    ]);
    expect(logger.warnings[1]!.context).toMatchObject({
      step: 'the modules to stop',
      waitedMs: expect.any(Number),
    });
    await sleep(120);
    expect(logger.warnings).toHaveLength(2);
  });

  it('says nothing about a quick step and passes its failure on', async () => {
    const logger = recordingLogger();
    await expect(
      stopStep(
        logger as never,
        'NATS to drain',
        async () => {
          throw new Error('connection closed');
        },
        50,
      ),
    ).rejects.toThrow('connection closed');
    await sleep(80);
    expect(logger.warnings).toEqual([]);
  });
});
