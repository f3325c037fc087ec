/**
 * npm run bench [-- --short] [-- --only gateway,baseline]
 *
 * Runs every benchmark under test/load (`*.bench.ts`) one after another on one NATS and one
 * Postgres, prints their figures as they come, and writes docs/PERFORMANCE.md: the machine,
 * the date, the commands, every figure, and what they mean. `--short` runs each benchmark
 * for a few seconds only (figures are then indicative, not steady-state).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { typescriptEntryArgs, workspaceRoot } from '@steward/testing';
import { useCompiledServices, withInfrastructure } from './src/bench-kit.js';
import { renderPerformanceReport, reportBlocks, type BenchResult } from './src/performance-report.js';

const { values } = parseArgs({ options: { short: { type: 'boolean', default: false }, only: { type: 'string' } }, strict: true });

/**
 * Flags for a quick run: the services' target rates for a few seconds (the answer path at the
 * rate this machine can follow); the benchmarks' own defaults are the full run.
 */
const SHORT_FLAGS: Record<string, string[]> = {
  'answer-path': ['--rate', '100', '--seconds', '20'],
  interactions: ['--rate', '500', '--seconds', '10'],
  metering: ['--rate', '1000', '--seconds', '10'],
  moderation: ['--rate', '500', '--seconds', '10'],
  gateway: ['--dispatches', '5000', '--guilds', '10000'],
  baseline: ['--seconds', '10', '--stepSeconds', '4', '--maxRate', '800'],
};

const loadDir = path.join(workspaceRoot, 'test/load');
const only = values.only?.split(',').map((name) => name.trim());
const benches = readdirSync(loadDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .filter((name) => !only || only.includes(name))
  .sort((a, b) => Number(a === 'baseline') - Number(b === 'baseline') || a.localeCompare(b));
if (benches.length === 0) throw new Error(`no benchmark matches --only ${values.only}`);

/** Steal and total CPU ticks of the whole machine so far (/proc/stat), or undefined off Linux. */
function cpuTicks(): { steal: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { steal: fields[7] ?? 0, total: fields.reduce((sum, value) => sum + value, 0) };
  } catch {
    return undefined;
  }
}

function runBench(name: string): Promise<BenchResult> {
  const flags = values.short ? (SHORT_FLAGS[name] ?? []) : [];
  const command = `npm run bench:${name}${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
  process.stdout.write(`\n=== ${command}\n`);
  const started = performance.now();
  const ticksBefore = cpuTicks();
  const child = spawn(process.execPath, [...typescriptEntryArgs(path.join(loadDir, `${name}.bench.ts`)), ...flags], {
    cwd: workspaceRoot,
    env: { ...process.env, SWC_NODE_PROJECT: path.join(workspaceRoot, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      const ticksAfter = cpuTicks();
      const stealPercent =
        ticksBefore && ticksAfter && ticksAfter.total > ticksBefore.total
          ? ((ticksAfter.steal - ticksBefore.steal) / (ticksAfter.total - ticksBefore.total)) * 100
          : undefined;
      resolve({ name, command, exitCode: code, seconds: (performance.now() - started) / 1000, blocks: reportBlocks(output), tail: output.split('\n').slice(-15).join('\n'), stealPercent });
    });
  });
}

const results: BenchResult[] = [];
const startedAt = new Date();
await withInfrastructure(async () => {
  await useCompiledServices();
  for (const name of benches) results.push(await runBench(name));
});

const invocation = `npm run bench${values.short || values.only ? ' --' : ''}${values.short ? ' --short' : ''}${values.only ? ` --only ${values.only}` : ''}`;
const document = renderPerformanceReport({ results, invocation, short: values.short ?? false, startedAt });
writeFileSync(path.join(workspaceRoot, 'docs/PERFORMANCE.md'), document);
process.stdout.write(`\nWrote docs/PERFORMANCE.md (${results.length} benchmarks, ${results.filter((r) => r.exitCode !== 0).length} failed)\n`);
if (results.some((result) => result.exitCode !== 0)) process.exitCode = 1;
