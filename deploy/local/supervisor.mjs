// Runs processes for `npm start`: readable, prefixed log output and restarts of crashed
// processes with exponential backoff (the way Kubernetes' CrashLoopBackOff does).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { exitPromise, stopChild } from './infra.mjs';

const INITIAL_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A process that ran this long before crashing starts again from the initial backoff. */
const STABLE_RUN_MS = 60_000;

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const COLORS = [36, 35, 33, 32, 34, 91, 96, 95, 93, 92, 94];
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
// Pino fields that the prefix and the timestamp already say.
const OMITTED_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'service', 'v']);

let colorIndex = 0;
let prefixWidth = 10;

/** Makes prefixes line up for the given process names. */
export function alignPrefixes(names) {
  prefixWidth = Math.max(prefixWidth, ...names.map((name) => name.length));
}

/** Returns `print(line)` that writes a line prefixed with `name`, pino JSON made readable. */
export function prefixedPrinter(name) {
  const color = COLORS[colorIndex++ % COLORS.length];
  const label = name.padEnd(prefixWidth);
  const prefix = useColor ? `\x1b[${color}m${label} |\x1b[0m ` : `${label} | `;
  return (line) => process.stdout.write(`${prefix}${formatLogLine(line)}\n`);
}

export function formatLogLine(line) {
  if (!line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (!entry || typeof entry !== 'object' || !('msg' in entry || 'level' in entry)) return line;
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toTimeString().slice(0, 8);
  const level = (LEVELS[entry.level] ?? String(entry.level ?? 'INFO')).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [time, level, entry.msg ?? '', ...fields].join(' ');
}

/** Pipes a child's stdout and stderr, line by line, to `onLine(text, stream)`. */
export function readLines(child, onLine) {
  for (const stream of ['stdout', 'stderr']) {
    if (child[stream]) createInterface({ input: child[stream] }).on('line', (text) => onLine(text, stream));
  }
}

/**
 * Keeps one process running: starts it, reports when it logs `service ready`, restarts it
 * after a crash with a growing delay, and stops it (SIGTERM, SIGKILL after a grace period).
 */
export class Supervisor {
  #restarts = 0;
  #timer;
  #current;
  #stopping = false;
  #markReady;

  /**
   * @param {string} name
   * @param {{ command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, isReady: (text: string) => boolean }} spec
   */
  constructor(name, spec) {
    this.name = name;
    this.spec = spec;
    this.print = prefixedPrinter(name);
    /** Settles the first time the process reports it is ready. */
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
  }

  start() {
    if (this.#stopping) return;
    const { command, args, env, cwd, isReady } = this.spec;
    // Own process group, so stopping it also stops anything it started.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const startedAt = Date.now();
    const exited = exitPromise(child);
    this.#current = { child, exited };
    child.once('error', (error) => this.print(`cannot start: ${error.message}`));
    readLines(child, (text) => {
      this.print(text);
      if (isReady(text)) this.#markReady();
    });
    exited.then(({ code, signal }) => {
      if (this.#stopping) return;
      if (Date.now() - startedAt >= STABLE_RUN_MS) this.#restarts = 0;
      const delay = Math.min(INITIAL_BACKOFF_MS * 2 ** this.#restarts, MAX_BACKOFF_MS);
      this.#restarts++;
      this.print(`exited with ${signal ? `signal ${signal}` : `code ${code}`}; restarting in ${delay / 1000}s`);
      this.#timer = setTimeout(() => this.start(), delay);
    });
  }

  get pid() {
    return this.#current?.child.pid;
  }

  async stop({ graceMs = 10_000 } = {}) {
    this.#stopping = true;
    clearTimeout(this.#timer);
    if (this.#current) await stopChild(this.#current.child, this.#current.exited, { graceMs });
  }

  /** Skips the grace period of a stop in progress. */
  kill() {
    this.#stopping = true;
    clearTimeout(this.#timer);
    if (this.#current) {
      try {
        process.kill(-this.#current.child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}
