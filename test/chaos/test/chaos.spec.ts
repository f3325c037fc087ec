/**
 * The short chaos run of `npm test`: 100 questions and 10 violations while answer, egress and
 * the gateway are killed with SIGKILL and NATS is restarted. `npm run chaos` is the long one.
 */
import { judge, runChaos } from '../src/chaos.js';

describe('chaos: crashes and a NATS restart under member traffic', () => {
  it('answers every question exactly once, acts on every violation, counts every operation once and resumes the gateway', async () => {
    const report = await runChaos({
      questions: 100,
      violations: 10,
      seconds: 18,
      extraGuilds: 2,
      downMs: 500,
      faults: [
        { kind: 'kill', service: 'answer' },
        { kind: 'restart-nats' },
        { kind: 'kill', service: 'gateway' },
        { kind: 'kill', service: 'egress' },
      ],
      settleMs: 30_000,
    });
    const { lines, failures } = judge(report);
    process.stdout.write(`\nShort chaos run\n${lines.join('\n')}\n`);
    expect(failures).toEqual([]);
    expect(report.faults).toHaveLength(4);
  }, 240_000);
});
