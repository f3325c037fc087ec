// Local infrastructure for `npm start`, `npm test` and Jest's global setup: dependencies,
// a NATS server with JetStream and a Postgres cluster, from the machine's own binaries.
// Plain Node with built-ins only: it runs before `node_modules` may exist.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** An error whose message is one line telling the user what to do; launchers print it alone. */
export class InfraError extends Error {
  name = 'InfraError';
}

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

// ---------------------------------------------------------------- dependencies

/**
 * Installs the workspace's dependencies when `node_modules` is missing or does not match
 * `package-lock.json`. Compares the lock with npm's own record of what is installed
 * (`node_modules/.package-lock.json`) by content: file times are unreliable when several
 * installs run in one checkout.
 */
export async function ensureDependencies(root) {
  const lockPath = path.join(root, 'package-lock.json');
  const hasLock = existsSync(lockPath);
  const reason = dependenciesOutOfDate(root, lockPath, hasLock);
  if (!reason) return;
  const install = async (command) => {
    log(`Installing dependencies (${reason}): npm ${command} --no-audit --no-fund`);
    return runInherited(npmCommand(), [command, '--no-audit', '--no-fund'], { cwd: root });
  };
  let code = await install(hasLock ? 'ci' : 'install');
  if (code !== 0 && hasLock) {
    // npm ci refuses a lock that misses entries (a new workspace, or platform-specific
    // optional packages a registry mirror left out); npm install completes the lock instead.
    log(`npm ci failed with exit code ${code}; retrying with npm install`);
    code = await install('install');
  }
  if (code !== 0) throw new InfraError(`Installing dependencies failed (npm exit code ${code}); see npm's output above.`);
}

function dependenciesOutOfDate(root, lockPath, hasLock) {
  const modules = path.join(root, 'node_modules');
  if (!existsSync(modules)) return 'node_modules is missing';
  if (!hasLock) return undefined;
  const installedPath = path.join(modules, '.package-lock.json');
  if (!existsSync(installedPath)) return 'node_modules was not installed by npm';
  const wanted = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {};
  const installed = JSON.parse(readFileSync(installedPath, 'utf8')).packages ?? {};
  for (const [location, entry] of Object.entries(wanted)) {
    // The root entry is the workspace itself; optional packages are platform-specific.
    if (location === '' || entry.optional) continue;
    if (installed[location]?.version !== entry.version) return `${location} is not installed as locked`;
  }
  return undefined;
}

const npmCommand = () => (process.platform === 'win32' ? 'npm.cmd' : 'npm');

// ---------------------------------------------------------------- binaries

let aptUpdated = false;

async function aptInstall(packages) {
  const aptOptions = ['-o', 'DPkg::Lock::Timeout=300', '-q'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log('Updating the package index: apt-get update');
    const code = await runInherited('apt-get', [...aptOptions, 'update'], { env, stdout: 'stderr' });
    if (code !== 0) throw new InfraError(`apt-get update failed with exit code ${code}; see its output above.`);
    aptUpdated = true;
  }
  log(`Installing ${packages.join(', ')}: apt-get install`);
  const code = await runInherited('apt-get', [...aptOptions, 'install', '-y', '--no-install-recommends', ...packages], {
    env,
    stdout: 'stderr',
  });
  if (code !== 0) throw new InfraError(`apt-get install ${packages.join(' ')} failed with exit code ${code}; see its output above.`);
}

/** Finds an executable on PATH, or undefined. */
export function which(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file) {
  try {
    return statSync(file).isFile() && (statSync(file).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Returns the path of `nats-server`, installing it with apt when running as root. */
export async function ensureNatsServer() {
  const found = findNatsServer();
  if (found) return found;
  if (!isRoot() || !which('apt-get')) {
    throw new InfraError('nats-server is not installed: run `sudo apt-get install nats-server`, or set NATS_URL to an existing NATS server with JetStream.');
  }
  await aptInstall(['nats-server']);
  const installed = findNatsServer();
  if (!installed) throw new InfraError('apt-get installed nats-server but the binary is not on PATH.');
  return installed;
}

// Debian installs nats-server in /usr/sbin, which a normal user's PATH often lacks.
const findNatsServer = () => which('nats-server') ?? ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find(isExecutable);

/**
 * Locates the newest Postgres server binaries (initdb, pg_ctl, psql), installing them with
 * apt when running as root. Returns `{ binDir, version, initdb, pgCtl, psql }`.
 */
export async function ensurePostgresBinaries() {
  let found = findPostgresBinaries();
  if (found) return found;
  if (!isRoot() || !which('apt-get')) {
    throw new InfraError(
      'Postgres server binaries (initdb, pg_ctl) were not found: run `sudo apt-get install postgresql postgresql-contrib`, or set DATABASE_URL to an existing Postgres.',
    );
  }
  await aptInstall(['postgresql', ...(aptHasPackage('postgresql-contrib') ? ['postgresql-contrib'] : [])]);
  found = findPostgresBinaries();
  if (!found) throw new InfraError('apt-get installed postgresql but initdb and pg_ctl were not found under /usr/lib/postgresql.');
  return found;
}

function aptHasPackage(name) {
  const result = spawnSync('apt-cache', ['show', name], { stdio: 'ignore' });
  return result.status === 0;
}

function findPostgresBinaries() {
  const dirs = new Set();
  const onPath = which('initdb');
  if (onPath) dirs.add(path.dirname(realPath(onPath)));
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    for (const version of readdirSync(debianRoot)) dirs.add(path.join(debianRoot, version, 'bin'));
  }
  const candidates = [];
  for (const binDir of dirs) {
    const pgCtl = path.join(binDir, 'pg_ctl');
    const initdb = path.join(binDir, 'initdb');
    if (!isExecutable(pgCtl) || !isExecutable(initdb)) continue;
    const versionText = spawnSync(pgCtl, ['--version'], { encoding: 'utf8' }).stdout ?? '';
    const match = /(\d+)(?:\.(\d+))?/.exec(versionText);
    if (!match) continue;
    const psql = [path.join(binDir, 'psql'), which('psql')].find((p) => p && isExecutable(p));
    candidates.push({ binDir, version: Number(match[1]) * 1000 + Number(match[2] ?? 0), initdb, pgCtl, psql });
  }
  candidates.sort((a, b) => b.version - a.version);
  const best = candidates[0];
  if (best && !best.psql) throw new InfraError(`psql was not found next to ${best.pgCtl}: install the Postgres client (apt-get install postgresql-client).`);
  return best;
}

function realPath(file) {
  const result = spawnSync('readlink', ['-f', file], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : file;
}

/** Debian's Chromium, which the dashboard's browser tests (test/ui) drive through playwright-core. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Installs Debian's Chromium with apt when it is missing and we are root; otherwise says what
 * to install. Returns its path, or undefined when it is not there (the browser tests then fail
 * with the same advice).
 */
export async function ensureChromium() {
  if (isExecutable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (!isRoot() || !which('apt-get')) {
    log(`Chromium is not installed, so the dashboard's browser tests will fail: run \`sudo apt-get install chromium\`.`);
    return undefined;
  }
  await aptInstall(['chromium']);
  if (!isExecutable(CHROMIUM_PATH)) throw new InfraError(`apt-get installed chromium but ${CHROMIUM_PATH} is missing.`);
  return CHROMIUM_PATH;
}

// ---------------------------------------------------------------- ports

/** A port the OS considers free on 127.0.0.1 right now. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port freePort picked may be taken before the server binds it (an outgoing connection can get
 * it as its local port): a server on picked ports gets this many tries, each on new ports.
 */
const BIND_ATTEMPTS = 3;

/** A server could not bind `port`: another socket holds it. */
class PortTakenError extends InfraError {
  constructor(message, port) {
    super(message);
    this.port = port;
  }
}

/** What a server wrote to its log since `offset` (its size before this start). */
function logSince(file, offset) {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

function sizeOf(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** True when nothing listens on host:port and it can be bound. */
export function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The first free port at or after `preferred`, skipping the ones in `taken`. */
export async function firstFreePort(preferred, { host = '127.0.0.1', taken = new Set() } = {}) {
  for (let port = preferred; port < Math.min(preferred + 200, 65536); port++) {
    if (taken.has(port)) continue;
    if (await isPortFree(port, host)) return port;
  }
  throw new InfraError(`No free port found on ${host} between ${preferred} and ${preferred + 199}.`);
}

/** Resolves with the HTTP status of a GET, or 0 when the request fails. */
function httpStatus(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(0));
  });
}

// ---------------------------------------------------------------- NATS

/**
 * Starts nats-server with JetStream storing under `dataDir` and waits until JetStream is
 * healthy. Returns `{ url, port, pid, stop() }`. A server left running by a killed earlier
 * run on the same data dir is stopped first.
 */
export async function startNats({ dataDir, port, host = '127.0.0.1', binary } = {}) {
  if (!dataDir) throw new InfraError('startNats needs a dataDir.');
  const natsServer = binary ?? (await ensureNatsServer());
  mkdirSync(dataDir, { recursive: true });
  const pidFile = path.join(dataDir, 'nats-server.pid');
  await stopLeftoverProcess(pidFile, 'nats-server');

  for (let attempt = 1; ; attempt++) {
    const ports = { client: port ?? (await freePort(host)), monitor: await freePort(host) };
    try {
      return await launchNats(natsServer, { dataDir, host, pidFile, ports });
    } catch (error) {
      const picked = port === undefined ? [ports.client, ports.monitor] : [ports.monitor];
      if (attempt >= BIND_ATTEMPTS || !(error instanceof PortTakenError) || !picked.includes(error.port)) throw error;
      log(`nats-server found port ${error.port} taken; trying another`);
    }
  }
}

async function launchNats(natsServer, { dataDir, host, pidFile, ports }) {
  const logFile = path.join(dataDir, 'nats-server.log');
  const logOffset = sizeOf(logFile);
  const args = ['-a', host, '-p', String(ports.client), '-m', String(ports.monitor), '-js', '-sd', path.join(dataDir, 'jetstream'), '-P', pidFile, '-l', logFile];
  // Own process group: Ctrl-C in the terminal reaches the launcher, which stops the server last.
  const child = spawn(natsServer, args, { stdio: 'ignore', detached: true });
  const exited = exitPromise(child);

  const healthUrl = `http://${host}:${ports.monitor}/healthz?js-enabled-only=true`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        const message = `nats-server exited during start-up (${describeExit(child)}): ${tail(logFile)}`;
        const taken = /listen tcp [^\s]*:(\d+): bind: address already in use/i.exec(logSince(logFile, logOffset));
        throw taken ? new PortTakenError(message, Number(taken[1])) : new InfraError(message);
      }
      return (await httpStatus(healthUrl)) === 200;
    },
    { timeoutMs: 20_000, what: `nats-server on ${host}:${ports.client}`, onTimeout: () => child.kill('SIGKILL') },
  );

  return {
    url: `nats://${host}:${ports.client}`,
    port: ports.client,
    monitorPort: ports.monitor,
    pid: child.pid,
    logFile,
    stop: once(async () => {
      await stopChild(child, exited, { graceMs: 10_000 });
      rmSync(pidFile, { force: true });
    }),
  };
}

// ---------------------------------------------------------------- Postgres

/**
 * Starts a Postgres cluster in `dataDir` (created with initdb on first use, superuser
 * `steward`, trust authentication on 127.0.0.1 only, no unix socket), creates the database
 * `steward` with the `unaccent`, `pg_trgm` and `btree_gin` extensions, and returns
 * `{ url, port, stop() }`. `durable: false` trades crash safety for speed (tests);
 * `statementStats: true` loads pg_stat_statements (benchmarks read time per statement).
 */
export async function startPostgres({ dataDir, port, host = '127.0.0.1', durable = true, statementStats = false, binaries } = {}) {
  if (!dataDir) throw new InfraError('startPostgres needs a dataDir.');
  const pg = binaries ?? (await ensurePostgresBinaries());
  const runAs = postgresRunner();
  prepareDataDir(dataDir, runAs);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const initArgs = ['-D', dataDir, '-U', 'steward', '--auth=trust', '-E', 'UTF8', `--locale=${utf8Locale()}`, '--no-instructions'];
    if (!durable) initArgs.push('--no-sync');
    const result = runAs.sync(pg.initdb, initArgs);
    if (result.status !== 0) throw new InfraError(`initdb failed in ${dataDir}: ${oneLine(result.stderr || result.stdout)}`);
  }
  await clearStalePostmaster(dataDir, pg, runAs);

  for (let attempt = 1; ; attempt++) {
    const chosenPort = port ?? (await freePort(host));
    try {
      return await launchPostgres(pg, runAs, { dataDir, host, port: chosenPort, durable, statementStats });
    } catch (error) {
      if (port !== undefined || attempt >= BIND_ATTEMPTS || !(error instanceof PortTakenError)) throw error;
      log(`Postgres found port ${chosenPort} taken; trying another`);
    }
  }
}

async function launchPostgres(pg, runAs, { dataDir, host, port, durable, statementStats }) {
  const settings = [
    `-p ${port}`,
    `-c listen_addresses=${host}`,
    // No unix socket: avoids socket-path length limits and /var/run permissions.
    "-c unix_socket_directories=''",
    '-c max_connections=200',
    ...(statementStats ? ['-c shared_preload_libraries=pg_stat_statements', '-c pg_stat_statements.track_planning=on'] : []),
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  const logFile = path.join(dataDir, 'postgres.log');
  const logOffset = sizeOf(logFile);
  const started = runAs.sync(pg.pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', settings, 'start']);
  if (started.status !== 0) {
    const message = `Postgres did not start on ${host}:${port}: ${oneLine(started.stderr || started.stdout)} ${tail(logFile)}`;
    const taken = /Address already in use[\s\S]*another postmaster already running on port (\d+)/i.exec(logSince(logFile, logOffset));
    throw taken && Number(taken[1]) === port ? new PortTakenError(message, port) : new InfraError(message);
  }

  const stop = once(async () => {
    runAs.sync(pg.pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    if (postmasterPid(dataDir)) runAs.sync(pg.pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  });
  try {
    const psql = (database, sql) => spawnSync(pg.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', 'steward', '-d', database, '-tAc', sql], { encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '10' } });
    const exists = psql('postgres', "SELECT 1 FROM pg_database WHERE datname = 'steward'");
    if (exists.status !== 0) throw new InfraError(`Cannot connect to Postgres on ${host}:${port}: ${oneLine(exists.stderr)}`);
    if (exists.stdout.trim() !== '1') {
      const created = psql('postgres', 'CREATE DATABASE steward');
      if (created.status !== 0) throw new InfraError(`Cannot create database steward: ${oneLine(created.stderr)}`);
    }
    const extensions = psql(
      'steward',
      `CREATE EXTENSION IF NOT EXISTS unaccent; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS btree_gin;${statementStats ? ' CREATE EXTENSION IF NOT EXISTS pg_stat_statements;' : ''}`,
    );
    if (extensions.status !== 0) {
      throw new InfraError(`Cannot enable the unaccent, pg_trgm and btree_gin extensions (install postgresql-contrib): ${oneLine(extensions.stderr)}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://steward@${host}:${port}/steward`, port, logFile, stop };
}

/** Runs Postgres binaries as the `postgres` user when we are root (Postgres refuses root). */
function postgresRunner() {
  if (!isRoot()) return { uid: undefined, sync: (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' }) };
  const passwd = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (passwd.status !== 0) throw new InfraError('Running as root needs the `postgres` system user to run Postgres: apt-get install postgresql creates it.');
  const uid = Number(passwd.stdout.trim());
  const gid = Number(groups.stdout.trim());
  // Spawning with uid/gid keeps arguments exact (no shell quoting) and needs no runuser/su.
  return { uid, gid, sync: (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', uid, gid, cwd: '/', env: { ...process.env, HOME: '/tmp' } }) };
}

function prepareDataDir(dataDir, runAs) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (runAs.uid === undefined) return;
  chownSync(dataDir, runAs.uid, runAs.gid);
  chmodSync(dataDir, 0o700);
  // Every folder above the data dir must let the postgres user through.
  const check = spawnSync('test', ['-x', dataDir], { uid: runAs.uid, gid: runAs.gid });
  if (check.status !== 0) {
    throw new InfraError(`The postgres user cannot reach ${dataDir} (a parent folder is private): choose another data dir, e.g. --data-dir /var/tmp/steward.`);
  }
}

function utf8Locale() {
  const available = spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '';
  const names = available.split('\n').map((name) => name.trim());
  return names.find((name) => /^c\.utf-?8$/i.test(name)) ?? names.find((name) => /^en_US\.utf-?8$/i.test(name)) ?? 'C';
}

function postmasterPid(dataDir) {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run that was killed leaves `postmaster.pid` behind, sometimes with the server still
 * running. Stop a live one; remove the file when its process is gone or is not Postgres.
 */
async function clearStalePostmaster(dataDir, pg, runAs) {
  const pid = postmasterPid(dataDir);
  if (!pid) return;
  if (processCommand(pid).includes('postgres')) {
    log(`Stopping a Postgres (pid ${pid}) left running on ${dataDir} by an earlier run`);
    const stopped = runAs.sync(pg.pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    if (stopped.status !== 0) runAs.sync(pg.pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    if (isAlive(pid)) throw new InfraError(`Postgres (pid ${pid}) on ${dataDir} is still running and could not be stopped.`);
  }
  rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
}

// ---------------------------------------------------------------- processes

/** The command line of a process ('' once it is gone). */
export function processCommand(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return isAlive(pid) ? 'unknown' : '';
  }
}

/** True while the process runs; an exited process its parent has not reaped yet does not count. */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function stopLeftoverProcess(pidFile, commandName) {
  let pid;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (pid > 0 && processCommand(pid).includes(commandName)) {
    log(`Stopping a ${commandName} (pid ${pid}) left running by an earlier run`);
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  rmSync(pidFile, { force: true });
}

/**
 * Every process a launcher starts carries its run id in `STEWARD_RUN_ID`, and so do their
 * descendants, including ones that left their process group or were orphaned. A launcher
 * started by another (`npm start` inside `npm test`) appends its id: `<outer>,<inner>`.
 * At the end of a run, `killTaggedProcesses(id)` finds any still alive and kills them.
 */
export const RUN_ID_VARIABLE = 'STEWARD_RUN_ID';

/** Makes a run id for this launcher and tags this process's environment with it. */
export function newRunId() {
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  const outer = process.env[RUN_ID_VARIABLE];
  process.env[RUN_ID_VARIABLE] = outer ? `${outer},${runId}` : runId;
  return runId;
}

/** Pids of live processes (other than this one) whose environment carries the run id. */
export function taggedProcesses(runId) {
  if (process.platform !== 'linux') return [];
  const prefix = `${RUN_ID_VARIABLE}=`;
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    const tag = environ.split('\0').find((variable) => variable.startsWith(prefix));
    if (tag?.slice(prefix.length).split(',').includes(runId) && isAlive(pid)) pids.push(pid);
  }
  return pids;
}

/**
 * SIGKILLs every live process tagged with the run id for which `spare(commandLine)` is not
 * true; returns how many there were.
 */
export function killTaggedProcesses(runId, spare = () => false) {
  const pids = taggedProcesses(runId).filter((pid) => !spare(processCommand(pid)));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
  }
  return pids.length;
}

/**
 * Calls `handler(signal)` on the first SIGINT, SIGTERM or SIGHUP; a second signal while
 * shutting down calls `onRepeat(signal)` (used to stop waiting for graceful exits).
 */
export function onShutdownSignal(handler, onRepeat = () => {}) {
  let received = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (received) return onRepeat(signal);
      received = true;
      handler(signal);
    });
  }
}

/** The conventional exit status for death by a signal (130 for SIGINT). */
export function signalExitCode(signal) {
  return 128 + (os.constants.signals[signal] ?? 1);
}

/** A promise of `{ code, signal }` for a child's exit, created before anything can miss it. */
export function exitPromise(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Sends a signal to a child's whole process group (it was spawned detached), or to the child. */
export function signalGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) {
    // The leader is gone; members of its group may still be alive.
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* group is empty */
    }
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already exited */
    }
  }
}

/** SIGTERM to the child's group, SIGKILL after the grace period; resolves once it exited. */
export async function stopChild(child, exited, { graceMs = 10_000, signal = 'SIGTERM' } = {}) {
  if (child.exitCode === null && child.signalCode === null) {
    signalGroup(child, signal);
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  signalGroup(child, 'SIGKILL'); // anything the child left in its group
}

function describeExit(child) {
  return child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
}

/** Runs a command with inherited output; resolves with its exit code. */
function runInherited(command, args, { cwd, env, stdout = 'inherit' } = {}) {
  return new Promise((resolve, reject) => {
    // apt's progress goes to stderr so launchers that parse stdout stay clean.
    const stdio = ['ignore', stdout === 'stderr' ? process.stderr : 'inherit', 'inherit'];
    const child = spawn(command, args, { cwd, env, stdio });
    child.once('error', (error) => reject(new InfraError(`Cannot run ${command}: ${error.message}`)));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function waitUntil(check, { timeoutMs, intervalMs = 100, what, onTimeout }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(intervalMs);
  }
  onTimeout?.();
  throw new InfraError(`${what} was not ready within ${timeoutMs / 1000}s.`);
}

function once(fn) {
  let result;
  return () => (result ??= fn());
}

function oneLine(text) {
  return String(text ?? '').trim().split('\n').filter(Boolean).slice(-3).join(' | ');
}

function tail(file) {
  try {
    return oneLine(readFileSync(file, 'utf8'));
  } catch {
    return '';
  }
}

function log(message) {
  process.stderr.write(`[steward] ${message}\n`);
}

/** Removes a directory tree, tolerating files still being released by exiting processes. */
export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

/**
 * Creates a fresh directory under the OS temp dir for one run's servers. It is opened to
 * other users (0755) because Postgres runs as the `postgres` user when we are root.
 */
export function makeRunDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}
