/**
 * Shared plumbing for benchmarks: throwaway NATS and Postgres (unless NATS_URL/DATABASE_URL
 * are set), percentiles, memory readings and a plain report. Benchmarks print figures; they
 * are not tests and assert nothing about speed.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { typescriptEntryArgs, workspaceRoot } from '@steward/testing';

interface Infra {
  makeRunDir(prefix: string): string;
  removeDir(dir: string): void;
  ensureNatsServer(): Promise<unknown>;
  startNats(options: { dataDir: string }): Promise<{ url: string; stop(): Promise<void> }>;
  startPostgres(options: {
    dataDir: string;
    durable?: boolean;
    statementStats?: boolean;
  }): Promise<{ url: string; stop(): Promise<void> }>;
}

/** Runs `body` with NATS_URL and DATABASE_URL set, starting throwaway servers when needed. */
export async function withInfrastructure<T>(body: () => Promise<T>): Promise<T> {
  const infra = (await import(pathToFileURL(path.join(workspaceRoot, 'deploy/local/infra.mjs')).href)) as Infra;
  const runDir = infra.makeRunDir('steward-bench-');
  const stops: Array<() => Promise<void>> = [];
  try {
    if (!process.env.NATS_URL) {
      await infra.ensureNatsServer();
      const nats = await infra.startNats({ dataDir: path.join(runDir, 'nats') });
      stops.push(() => nats.stop());
      process.env.NATS_URL = nats.url;
    }
    if (!process.env.DATABASE_URL) {
      const postgres = await infra.startPostgres({
        dataDir: path.join(runDir, 'postgres'),
        durable: false,
        statementStats: true,
      });
      stops.push(() => postgres.stop());
      process.env.DATABASE_URL = postgres.url;
    }
    return await body();
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    infra.removeDir(runDir);
  }
}

interface Build {
  build(options: { outDir: string; log?: (line: string) => void }): Promise<unknown>;
  compileTypeScript(file: string, jsFile: string): Promise<void>;
}

/**
 * Where benchmarks put the production build: inside the workspace, so that the baseline bots'
 * development-only packages (discord.js) still resolve from the workspace's node_modules.
 */
const BENCH_BUILD_DIR = path.join(workspaceRoot, 'node_modules', '.cache', 'steward-bench', 'build');
const fromSource = () => process.env.STEWARD_BENCH_FROM_SOURCE === '1';
const loadBuild = async () =>
  (await import(pathToFileURL(path.join(workspaceRoot, 'deploy/docker/build.mjs')).href)) as Build;

/**
 * Benchmarks measure what ships: the production build (compiled JavaScript, as the container
 * image runs it), built once per run; spawned services run from it (STEWARD_COMPILED_ROOT).
 * STEWARD_BENCH_FROM_SOURCE=1 runs the TypeScript sources through the in-process compiler instead.
 */
export async function useCompiledServices(): Promise<string> {
  if (fromSource()) return 'TypeScript sources through @swc-node/register (STEWARD_BENCH_FROM_SOURCE=1)';
  // `npm run bench` builds once for all the benchmarks it starts.
  if (process.env.STEWARD_COMPILED_ROOT !== BENCH_BUILD_DIR) {
    await (await loadBuild()).build({ outDir: BENCH_BUILD_DIR });
    process.env.STEWARD_COMPILED_ROOT = BENCH_BUILD_DIR;
  }
  return 'production build (compiled JavaScript, as the image runs it)';
}

/** Node arguments for a baseline bot (test/load/baseline/<name>.ts), compiled like the services. */
export async function baselineEntryArgs(name: string): Promise<string[]> {
  const source = path.join(workspaceRoot, 'test', 'load', 'baseline', `${name}.ts`);
  const compiledRoot = process.env.STEWARD_COMPILED_ROOT;
  if (!compiledRoot) return typescriptEntryArgs(source);
  const entry = path.join(compiledRoot, 'test', 'load', 'baseline', `${name}.js`);
  await (await loadBuild()).compileTypeScript(source, entry);
  return [entry];
}

/** Command-line flags as numbers, with defaults: `--rate 200 --seconds 60`. */
export function numberFlags<K extends string>(defaults: Record<K, number>): Record<K, number> {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.keys(defaults).map((key) => [key, { type: 'string' as const }])),
    strict: true,
  });
  const result = { ...defaults };
  for (const [key, value] of Object.entries(values)) {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${key} must be a positive number, got ${String(value)}`);
    result[key as K] = parsed;
  }
  return result;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function latencySummary(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Peak resident memory of a process (VmHWM), in MiB; undefined when it is gone. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function currentRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU time a process has used so far (user + system, /proc/<pid>/stat), in ms; undefined when it is gone. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** How long processes idle while their lowest resident memory is taken (see lowestRssMiB). */
export const SETTLE_MS = 60_000;

/**
 * The lowest resident memory of each process while they idle for `windowMs`, polled every 2 s.
 * After a burst of work V8 gives its grown heap back to the system when its heuristics decide
 * (30 s in one run, over 50 s in another), so one reading at a fixed moment says more about
 * that moment than about the memory the process needs.
 */
export async function lowestRssMiB(pids: number[], windowMs = SETTLE_MS): Promise<number[]> {
  const lowest = pids.map((pid) => currentRssMiB(pid) ?? Infinity);
  for (let waited = 0; waited < windowMs; waited += 2_000) {
    await sleep(2_000);
    pids.forEach((pid, index) => (lowest[index] = Math.min(lowest[index]!, currentRssMiB(pid) ?? Infinity)));
  }
  return lowest.map((mib) => (Number.isFinite(mib) ? mib : NaN));
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/** Prints a titled block of `name: value` lines, and the machine it ran on. */
export function report(title: string, rows: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  process.stdout.write(`\n${title}\n${'-'.repeat(title.length)}\nmachine: ${machineLine()}\n`);
  for (const [name, value] of Object.entries(rows)) {
    process.stdout.write(`${name.padEnd(width)}  ${typeof value === 'number' ? formatNumber(value) : value}\n`);
  }
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export interface StatementTime {
  /** The normalised statement, whitespace collapsed, cut to 60 characters. */
  query: string;
  calls: number;
  /** Mean execution time. */
  meanMs: number;
  /** The longest single execution: whether the statements, or the hops around them, make the tail. */
  maxMs: number;
  /** Mean planning time per call (a prepared statement with a generic plan plans once). */
  planMs: number;
}

/**
 * Runs `body` with a connection to DATABASE_URL, or returns `fallback` when the database has
 * no pg_stat_statements (a DATABASE_URL given from outside).
 */
async function withStatementStats<T>(fallback: T, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(
      "SELECT to_regclass('pg_stat_statements') IS NOT NULL AS present",
    );
    return rows[0]?.present ? await body(client) : fallback;
  } finally {
    await client.end();
  }
}

/** Forgets the statement times gathered so far (call it once warm-up is over). */
export function resetStatementTimes(): Promise<void> {
  return withStatementStats(undefined, async (client) => {
    await client.query('SELECT pg_stat_statements_reset()');
  });
}

/**
 * The statements Postgres spent most time executing since the last reset (DDL and the
 * statistics' own queries left out); empty without pg_stat_statements.
 */
export function statementTimes(limit = 8): Promise<StatementTime[]> {
  return withStatementStats([], async (client) => {
    const { rows } = await client.query<{ query: string; calls: string; mean: number; max: number; plan: number }>(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query, calls, mean_exec_time AS mean, max_exec_time AS max,
              total_plan_time / greatest(calls, 1) AS plan
       FROM pg_stat_statements
       WHERE query !~* '^\\s*(CREATE|ALTER|DROP|COMMENT|SET|SHOW|BEGIN|COMMIT|ROLLBACK)\\M'
         AND query !~ 'pg_stat_statements|to_regclass'
       ORDER BY total_exec_time DESC
       LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      query: row.query,
      calls: Number(row.calls),
      meanMs: row.mean,
      maxMs: row.max,
      planMs: row.plan,
    }));
  });
}

/**
 * Report rows: for each statement, executions per unit of work (`per`), mean and longest
 * execution, and planning time.
 */
export function statementRows(statements: StatementTime[], units: number, per: string): Record<string, string> {
  const rows: Record<string, string> = {};
  statements.forEach((statement, index) => {
    rows[`postgres #${index + 1}: ${statement.query}`] =
      `${(statement.calls / units).toFixed(2)} per ${per} × ${statement.meanMs.toFixed(3)} ms (max ${statement.maxMs.toFixed(2)}, + ${statement.planMs.toFixed(3)} ms planning)`;
  });
  return rows;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How often an open-loop sender wakes to send what has come due. */
const SEND_TICK_MS = 5;

/**
 * Calls `send(0)` … `send(total - 1)` on schedule at `rate` a second (open loop: on time
 * whether or not earlier work has finished), waking every few milliseconds to send what has
 * come due. Resolves with the time it started (performance.now()) once the last went out.
 */
export async function sendAtRate(total: number, rate: number, send: (n: number) => void): Promise<number> {
  const startedAt = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * rate));
    while (sent < due) send(sent++);
    if (sent < total) await sleep(SEND_TICK_MS);
  }
  return startedAt;
}
