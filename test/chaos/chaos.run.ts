/**
 * npm run chaos [-- --questions 2000 --violations 100 --seconds 180 --guilds 6 --down-ms 1500]
 *
 * The full chaos run: every service as its own process on a NATS and a Postgres owned by the
 * run, 2,000 member questions and a known number of invite-link violations over a few minutes,
 * while gateway, router, answer, moderation, egress and metering are killed with SIGKILL in
 * turn and NATS and Postgres are restarted once each. Prints the report and exits non-zero
 * when any check fails.
 */
import { parseArgs } from 'node:util';
import { judge, runChaos, type Fault } from './src/chaos.js';

const { values } = parseArgs({
  options: {
    questions: { type: 'string', default: '2000' },
    violations: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '180' },
    guilds: { type: 'string', default: '6' },
    'down-ms': { type: 'string', default: '1500' },
  },
  strict: true,
});
const number = (name: keyof typeof values, min: number): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${values[name]}`);
  return value;
};

const faults: Fault[] = [
  { kind: 'kill', service: 'gateway' },
  { kind: 'kill', service: 'router' },
  { kind: 'restart-nats' },
  { kind: 'kill', service: 'answer' },
  { kind: 'kill', service: 'moderation' },
  { kind: 'restart-postgres' },
  { kind: 'kill', service: 'egress' },
  { kind: 'kill', service: 'metering' },
];

const report = await runChaos({
  questions: number('questions', 1),
  violations: number('violations', 0),
  seconds: number('seconds', 1),
  extraGuilds: number('guilds', 0),
  downMs: number('down-ms', 0),
  faults,
  settleMs: 180_000,
});
const { lines, failures } = judge(report);
process.stdout.write(`\nChaos run\n---------\n${lines.join('\n')}\n\n`);
if (failures.length > 0) {
  process.stdout.write(`FAILED:\n${failures.map((failure) => `- ${failure}`).join('\n')}\n`);
  process.exitCode = 1;
} else process.stdout.write('PASSED: no question lost or answered twice, every violation acted on once, every operation counted once.\n');
