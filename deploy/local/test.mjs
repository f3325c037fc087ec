#!/usr/bin/env node
// `npm test`: every project's tests through Nx, on one throwaway NATS server and one
// throwaway Postgres for the whole run. Arguments after `--` go to `nx run-many`,
// e.g. `npm test -- --projects=@steward/bus`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  InfraError,
  ensureChromium,
  ensureDependencies,
  ensureNatsServer,
  ensurePostgresBinaries,
  exitPromise,
  killTaggedProcesses,
  makeRunDir,
  newRunId,
  onShutdownSignal,
  removeDir,
  signalExitCode,
  startNats,
  startPostgres,
  stopChild,
} from './infra.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nxArguments = process.argv.slice(2);
const runId = newRunId();
/** Failures listed at the end; a broken library can fail hundreds of tests at once. */
const MAX_FAILURES_SHOWN = 20;

const resources = { runDir: undefined, servers: [], nx: undefined };
let interrupted = false;

const stopEverything = once(async () => {
  if (resources.nx) await stopChild(resources.nx.child, resources.nx.exited, { graceMs: 5_000 });
  await Promise.allSettled(resources.servers.map((server) => server.stop()));
  killTaggedProcesses(runId);
  if (resources.runDir) removeDir(resources.runDir);
});

onShutdownSignal(
  (signal) => {
    interrupted = true;
    process.stderr.write(`\n[steward] ${signal}: stopping tests and servers\n`);
    stopEverything().finally(() => process.exit(signalExitCode(signal)));
  },
  () => killTaggedProcesses(runId),
);

try {
  process.exitCode = await runTests();
} catch (error) {
  process.stderr.write(`[steward] ${error instanceof InfraError ? error.message : error.stack}\n`);
  process.exitCode = 1;
} finally {
  await stopEverything();
}

async function runTests() {
  await ensureDependencies(root);
  const [natsServer, postgresBinaries] = [await ensureNatsServer(), await ensurePostgresBinaries()];
  await ensureChromium();

  resources.runDir = makeRunDir('steward-test-');
  const startedAt = Date.now();
  const starting = [
    startNats({ dataDir: path.join(resources.runDir, 'nats'), binary: natsServer }),
    startPostgres({
      dataDir: path.join(resources.runDir, 'postgres'),
      durable: false,
      binaries: postgresBinaries,
    }),
  ];
  // Keep a handle on whichever started, so a failure of the other still stops it.
  const started = await Promise.allSettled(starting);
  for (const result of started) if (result.status === 'fulfilled') resources.servers.push(result.value);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const [nats, postgres] = started.map((result) => result.value);
  process.stderr.write(
    `[steward] NATS ${nats.url} and Postgres ${postgres.url} ready in ${Date.now() - startedAt} ms\n`,
  );

  const reportDir = path.join(resources.runDir, 'reports');
  const nxCode = await runNx({
    ...process.env,
    NATS_URL: nats.url,
    DATABASE_URL: postgres.url,
    STEWARD_TEST_INFRA: '1',
    STEWARD_JEST_REPORT_DIR: reportDir,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
  });
  if (interrupted) return nxCode; // the signal handler reports and exits
  return printSummary(readReports(reportDir), nxCode);
}

async function runNx(env) {
  const nxPackage = path.join(root, 'node_modules', 'nx', 'package.json');
  if (!existsSync(nxPackage)) throw new InfraError('nx is not installed in node_modules: run `npm ci`.');
  const nxBin = path.join(path.dirname(nxPackage), JSON.parse(readFileSync(nxPackage, 'utf8')).bin.nx);
  const args = [nxBin, 'run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', ...nxArguments];
  process.stderr.write(`[steward] nx ${args.slice(1).join(' ')}\n`);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const exited = exitPromise(child);
  resources.nx = { child, exited };
  const { code, signal } = await exited;
  return code ?? signalExitCode(signal);
}

function readReports(reportDir) {
  if (!existsSync(reportDir)) return [];
  return readdirSync(reportDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(path.join(reportDir, file), 'utf8')))
    .sort((a, b) => a.project.localeCompare(b.project));
}

function printSummary(reports, nxCode) {
  const rows = reports.map((report) => ({
    project: report.project,
    passed: report.passed,
    // A suite that could not even load counts as a failed test: it hides the ones inside.
    failed: report.failed + report.brokenSuites,
    skipped: report.skipped,
    time: `${(report.durationMs / 1000).toFixed(1)}s`,
  }));
  const passed = rows.reduce((sum, row) => sum + row.passed, 0);
  let failed = rows.reduce((sum, row) => sum + row.failed, 0);
  const notes = [];
  if (nxCode !== 0 && failed === 0) {
    failed += 1;
    notes.push(`nx run-many exited with code ${nxCode} without a failing Jest test: see the output above.`);
  }

  const columns = ['project', 'passed', 'failed', 'skipped', 'time'];
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])))
      .join('  ');
  const out = ['', 'Test summary', line(columns), line(widths.map((width) => '-'.repeat(width)))];
  for (const row of rows) out.push(line(columns.map((column) => row[column])));
  if (rows.length === 0) out.push('(no project ran tests)');
  const failures = reports.flatMap((report) =>
    (report.failures ?? []).map((failure) => ({ ...failure, project: report.project })),
  );
  if (failures.length > 0) out.push('', 'Failed');
  for (const failure of failures.slice(0, MAX_FAILURES_SHOWN)) {
    out.push(
      `- ${failure.project} ${failure.file}: ${failure.test}`,
      ...failure.message.split('\n').map((text) => `    ${text}`),
    );
  }
  if (failures.length > MAX_FAILURES_SHOWN) {
    out.push(`- and ${failures.length - MAX_FAILURES_SHOWN} more: see the output above`);
  }
  out.push(...notes, '', `Tests: ${passed} passed, ${failed} failed`, '');
  process.stdout.write(out.join('\n'));
  return failed > 0 ? 1 : 0;
}

function once(fn) {
  let result;
  return () => (result ??= fn());
}
