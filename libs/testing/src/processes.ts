import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor, type WaitForOptions } from './wait-for.js';

/** The repository root (this file is `libs/testing/src/processes.ts`). */
export const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** One line a process printed; `json` is set when the line is a JSON object (pino logs). */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  json?: Record<string, unknown>;
}

/** Decides from one log line that a process is ready. */
export type ReadyCheck = (line: LogLine) => boolean;

/** A Steward service is ready when it logs `service ready` (with its `opsPort`). */
export const serviceReady: ReadyCheck = (line) => line.json?.msg === 'service ready';

export interface SpawnProcessOptions {
  /** Name for errors and the log file; defaults to the command's file name. */
  name?: string;
  /** Merged over the current environment; a value of `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Resolve once a line passes this check; without one, resolve as soon as it runs. */
  ready?: ReadyCheck;
  /** How long to wait for readiness (default 30 s); the process is killed after that. */
  readyTimeoutMs?: number;
}

export interface SpawnServiceOptions {
  /** Merged over the current environment (which carries NATS_URL and DATABASE_URL). */
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  /** Pid of the current incarnation (it changes on restart). */
  readonly pid: number;
  /** `http://127.0.0.1:<opsPort>` from the ready line, when it carried `opsPort`. */
  readonly opsUrl: string | undefined;
  /** Every line printed so far, across restarts, is also appended here. */
  readonly logFile: string;
  /** Settles when the current incarnation exits. */
  readonly exited: Promise<ExitStatus>;
  /** Every line printed so far, across restarts. */
  logs(): LogLine[];
  /** Waits for a line (printed before or after the call) that contains / matches / passes. */
  waitForLog(match: string | RegExp | ((line: LogLine) => boolean), options?: WaitForOptions): Promise<LogLine>;
  /** Sends a signal to the process and everything it started. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves with how it exited. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** Stops the process if it runs, starts it again and waits until it is ready. */
  restart(): Promise<void>;
}

/** Node arguments that run a TypeScript entry point through SWC, as services run locally. */
export function typescriptEntryArgs(entry: string): string[] {
  return ['--import', '@swc-node/register/esm-register', entry];
}

/**
 * Starts `services/<name>/src/main.ts` as its own process and resolves once it logged
 * `service ready`. `OPS_PORT` defaults to 0, so the service reports the port it got.
 * With `STEWARD_COMPILED_ROOT` set to the output of `deploy/docker/build.mjs`, the compiled
 * service runs instead, as the container image runs it (benchmarks measure what ships).
 */
export async function spawnService(name: string, { env, readyTimeoutMs }: SpawnServiceOptions = {}): Promise<ManagedProcess> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`Invalid service name "${name}": use the folder name under services/`);
  const compiledRoot = process.env.STEWARD_COMPILED_ROOT;
  const entry = compiledRoot
    ? path.join(compiledRoot, 'services', name, 'src', 'main.js')
    : path.join(workspaceRoot, 'services', name, 'src', 'main.ts');
  if (!existsSync(entry)) throw new Error(`No service named "${name}": ${entry} does not exist`);
  // STEWARD_CPU_PROFILE_DIR: each service writes a V8 CPU profile there when it exits (benchmarks).
  const profileDir = process.env.STEWARD_CPU_PROFILE_DIR;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return spawnProcess(process.execPath, [...profiling, ...(compiledRoot ? [entry] : typescriptEntryArgs(entry))], {
    name,
    cwd: compiledRoot ?? workspaceRoot,
    env: { OPS_PORT: '0', ...env },
    ready: serviceReady,
    readyTimeoutMs,
  });
}

/** SWC reads compiler options from `tsconfig.json` in the working dir; point it at ours. */
function typescriptEnv(): Record<string, string> {
  if (process.env.SWC_NODE_PROJECT || existsSync(path.join(workspaceRoot, 'tsconfig.json'))) return {};
  return { SWC_NODE_PROJECT: path.join(workspaceRoot, 'tsconfig.base.json') };
}

/**
 * Starts any command as a managed process (own process group, output captured). TypeScript
 * entries run with `process.execPath` and `typescriptEntryArgs(entry)`.
 */
export async function spawnProcess(command: string, args: string[], options: SpawnProcessOptions = {}): Promise<ManagedProcess> {
  const managed = new ManagedChild(command, args, options);
  await managed.start();
  return managed;
}

const running = new Set<ManagedChild>();
let logDir: string | undefined;
let logCounter = 0;

// A test that forgot to stop a process must not leave it behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

class ManagedChild implements ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly lines: LogLine[] = [];
  private readonly logStream: WriteStream;
  private readonly readyTimeoutMs: number;
  private child!: ChildProcess;
  private currentExit!: Promise<ExitStatus>;
  private currentOpsUrl: string | undefined;

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly options: SpawnProcessOptions,
  ) {
    this.name = options.name ?? path.basename(command);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    if (!(this.readyTimeoutMs > 0)) throw new RangeError(`readyTimeoutMs must be positive, got ${options.readyTimeoutMs}`);
    logDir ??= mkdtempSync(path.join(os.tmpdir(), 'steward-logs-'));
    this.logFile = path.join(logDir, `${this.name.replace(/[^\w.-]+/g, '_')}-${++logCounter}.log`);
    this.logStream = createWriteStream(this.logFile, { flags: 'a' });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get opsUrl(): string | undefined {
    return this.currentOpsUrl;
  }

  get exited(): Promise<ExitStatus> {
    return this.currentExit;
  }

  logs(): LogLine[] {
    return [...this.lines];
  }

  async waitForLog(match: string | RegExp | ((line: LogLine) => boolean), options: WaitForOptions = {}): Promise<LogLine> {
    const test = typeof match === 'function' ? match : typeof match === 'string' ? (line: LogLine) => line.text.includes(match) : (line: LogLine) => match.test(line.text);
    return waitFor(() => this.lines.find(test), { message: `a log line of ${this.name} matching ${String(match)}`, ...options });
  }

  async start(): Promise<void> {
    this.currentOpsUrl = undefined;
    const env = { ...process.env, ...typescriptEnv() };
    for (const [key, value] of Object.entries(this.options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const child = spawn(this.command, this.args, { cwd: this.options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.currentExit = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    running.add(this);
    void this.currentExit.then(() => running.delete(this));

    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    const readyCheck = this.options.ready;
    const firstLine = this.lines.length;
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (text) => {
        const line = parseLine(stream, text);
        this.lines.push(line);
        this.logStream.write(`${text}\n`);
        if (readyCheck?.(line)) {
          const opsPort = line.json?.opsPort;
          if (typeof opsPort === 'number' || typeof opsPort === 'string') this.currentOpsUrl = `http://127.0.0.1:${opsPort}`;
          onReady();
        }
      });
    }
    if (!readyCheck) {
      await Promise.race([new Promise((resolve) => child.once('spawn', resolve)), spawnError.then((error) => Promise.reject(error))]);
      return;
    }

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.readyTimeoutMs)));
    const outcome = await Promise.race([ready.then(() => 'ready' as const), this.currentExit.then(() => 'exited' as const), spawnError, timedOut]);
    clearTimeout(timer);
    if (outcome === 'ready') return;
    if (outcome instanceof Error) throw new Error(`Cannot start ${this.name}: ${outcome.message}`);
    if (outcome === 'timeout') await this.stop(0);
    const status = await this.currentExit;
    // Give the readers a moment to drain what the process printed last.
    await new Promise((resolve) => setImmediate(resolve));
    const output = this.lines.slice(firstLine).slice(-20).map((line) => line.text).join('\n');
    const what = outcome === 'timeout' ? `was not ready within ${this.readyTimeoutMs} ms` : `exited (${describe(status)}) before it was ready`;
    throw new Error(`${this.name} ${what}; its last output (${this.logFile}):\n${output}`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // The group is gone.
    }
  }

  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
      const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
      await this.currentExit;
      clearTimeout(timer);
    }
    this.kill('SIGKILL'); // whatever the process left in its group
    return this.currentExit;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

function parseLine(stream: LogLine['stream'], text: string): LogLine {
  if (text.startsWith('{')) {
    try {
      const json: unknown = JSON.parse(text);
      if (json && typeof json === 'object' && !Array.isArray(json)) return { stream, text, json: json as Record<string, unknown> };
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  return { stream, text };
}

function describe(status: ExitStatus): string {
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}
