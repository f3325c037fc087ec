// `npm start` as a person uses it: start, wait for the banner, Ctrl-C, start again on the
// same data dir, survive a launcher killed with SIGKILL; never leave a process behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnProcess, waitFor, workspaceRoot, type ManagedProcess } from '../src/index.js';

const fixtureServices = fileURLToPath(new URL('./fixtures/services', import.meta.url));
const BANNER = 'Steward is running';

/** Live processes started by the launcher with this pid (they carry its run id), by command line. */
function processesOf(launcherPid: number): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const runIds = environ.find((variable) => variable.startsWith('STEWARD_RUN_ID='))?.slice('STEWARD_RUN_ID='.length).split(',') ?? [];
      if (!runIds.some((runId) => runId.startsWith(`${launcherPid}-`))) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, not yet reaped
      found.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // Gone meanwhile, or not readable.
    }
  }
  return found;
}

function processesUsing(dataDir: string): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    });
}

describe('npm start (deploy/local/start.mjs)', () => {
  let dataDir: string;
  const launchers: ManagedProcess[] = [];

  beforeAll(() => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'steward-start-'));
    chmodSync(runDir, 0o755); // Postgres runs as the postgres user when the tests run as root
    dataDir = path.join(runDir, 'data');
  });

  // A failed test must not leave its stack running for the next one (or after the run).
  afterEach(async () => {
    for (const launcher of launchers.splice(0)) {
      await launcher.stop();
      for (const pid of processesOf(launcher.pid).keys()) process.kill(pid, 'SIGKILL');
    }
  });

  afterAll(() => {
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  async function start(): Promise<ManagedProcess> {
    const launcher = await spawnProcess(
      process.execPath,
      ['deploy/local/start.mjs', '--data-dir', dataDir, '--services-dir', fixtureServices, '--port-base', String(await basePort())],
      {
        name: 'npm-start',
        cwd: workspaceRoot,
        // A developer's stack: nothing pre-set, so it starts its own NATS and Postgres.
        env: { NATS_URL: undefined, DATABASE_URL: undefined, DISCORD_BOT_TOKEN: undefined, STEWARD_DATA_DIR: undefined, ADMIN_PORT: undefined, INTERACTIONS_PORT: undefined },
        ready: (line) => line.text.startsWith(BANNER),
        readyTimeoutMs: 90_000,
      },
    );
    launchers.push(launcher);
    return launcher;
  }

  async function interruptAndExpectNothingLeft(launcher: ManagedProcess): Promise<void> {
    const started = processesOf(launcher.pid);
    const commands = [...started.values()];
    expect(commands.some((command) => command.includes('nats-server'))).toBe(true);
    expect(commands.some((command) => command.includes('postgres'))).toBe(true);
    expect(commands.filter((command) => command.includes(fixtureServices))).toHaveLength(2);

    process.kill(launcher.pid, 'SIGINT'); // what Ctrl-C sends
    const status = await launcher.exited;

    expect(status).toEqual({ code: 0, signal: null });
    expect(launcher.logs().map((line) => line.text)).toContain('[steward] stopped');
    await waitFor(() => processesOf(launcher.pid).size === 0 && processesUsing(dataDir).length === 0, {
      timeoutMs: 5000,
      message: `no process of the stack left (pids ${[...started.keys()].join(', ')})`,
    });
    expect(readFileSync(path.join(dataDir, 'postgres', 'postgres.log'), 'utf8')).toMatch(/database system is shut down\s*$/);
  }

  const credentials = (): { email: string; password: string; apiKey: string } =>
    JSON.parse(readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));

  it('starts the stack, restarts a crashed service, prints the login, and stops cleanly on Ctrl-C', async () => {
    const launcher = await start();
    const output = launcher.logs().map((line) => line.text).join('\n');

    expect(output).toContain('flaky: crashing on first start');
    expect(output).toMatch(/flaky +\| exited with code 1; restarting in 1s/);
    expect(output).toMatch(/steady +\| \d\d:\d\d:\d\d INFO {2}service ready opsPort=\d+/);
    const { email, password, apiKey } = credentials();
    expect(email).toBe('admin@steward.local');
    expect(apiKey).toMatch(/^stw_[\w-]{20,}$/);
    expect(output).toContain(`Login:            ${email} / ${password}`);
    expect(output).toContain(`API key:          ${apiKey}`);
    // The Discord sandbox runs when its entry point exists and no real bot is configured.
    const sandboxLine = existsSync(path.join(workspaceRoot, 'libs/sandbox/src/main.ts')) ? /Discord sandbox: +http:\/\/127\.0\.0\.1:\d+/ : /Discord sandbox: +\(not started\)/;
    expect(output).toMatch(sandboxLine);

    await interruptAndExpectNothingLeft(launcher);
  }, 120_000);

  it('starts again on the same data dir with the same credentials', async () => {
    const before = credentials();
    const launcher = await start();

    expect(credentials()).toEqual(before);
    expect(launcher.logs().map((line) => line.text).join('\n')).not.toContain('restarting');
    expect(launcher.logs().some((line) => line.text.includes(before.apiKey))).toBe(true);

    await interruptAndExpectNothingLeft(launcher);
  }, 120_000);

  it('recovers the data dir of a launcher that was killed outright', async () => {
    const killed = await start();
    const orphans = processesOf(killed.pid);
    process.kill(killed.pid, 'SIGKILL');
    await killed.exited;
    expect([...orphans.keys()].filter((pid) => processesOf(killed.pid).has(pid)).length).toBeGreaterThan(0);

    const launcher = await start();
    const output = launcher.logs().map((line) => line.text).join('\n');
    expect(output).toContain('left running by an earlier run that was killed');
    expect(processesOf(killed.pid).size).toBe(0);

    await interruptAndExpectNothingLeft(launcher);
  }, 120_000);

  it('refuses a second stack on a data dir that is in use', async () => {
    const launcher = await start();
    const second = await spawnProcess(process.execPath, ['deploy/local/start.mjs', '--data-dir', dataDir, '--services-dir', fixtureServices], {
      cwd: workspaceRoot,
      env: { NATS_URL: undefined, DATABASE_URL: undefined },
    });
    const status = await second.exited;
    expect(status.code).toBe(1);
    expect(second.logs().map((line) => line.text)).toContain(
      `[steward] Steward is already running on ${dataDir} (pid ${launcher.pid}): stop it first, or use another --data-dir.`,
    );
    await interruptAndExpectNothingLeft(launcher);
  }, 120_000);
});

/** A base for the stack's ports picked from the ephemeral range, away from the defaults. */
async function basePort(): Promise<number> {
  return 20_000 + Math.floor(Math.random() * 20_000);
}
