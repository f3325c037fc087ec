#!/usr/bin/env node
// `npm start`: the whole Steward stack on this machine. See `npm start -- --help`.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import {
  InfraError,
  ensureDependencies,
  ensureNatsServer,
  ensurePostgresBinaries,
  exitPromise,
  isAlive,
  isRoot,
  killTaggedProcesses,
  newRunId,
  onShutdownSignal,
  processCommand,
  startNats,
  startPostgres,
  stopChild,
} from './infra.mjs';
import { HELP, environmentProblems, loadOrCreateCredentials, parseFlags, planPorts } from './settings.mjs';
import { Supervisor, alignPrefixes, prefixedPrinter, readLines } from './supervisor.mjs';
import { ensureUiBuilt } from '../../services/admin-ui/scripts/ensure-built.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SANDBOX_ENTRY = path.join(root, 'libs', 'sandbox', 'src', 'main.ts');
const SERVICE_READY_TIMEOUT_MS = 120_000;
/** The line tests and scripts wait for. */
const READY_BANNER = 'Steward is running';

const runId = newRunId();

const running = { servers: [], sandbox: undefined, services: [] };
let shuttingDown = false;
let requestShutdown;
const shutdownRequested = new Promise((resolve) => (requestShutdown = resolve));

const stopEverything = once(async () => {
  shuttingDown = true;
  await Promise.allSettled(running.services.map((service) => service.stop({ graceMs: 10_000 })));
  if (running.sandbox) await stopChild(running.sandbox.child, running.sandbox.exited, { graceMs: 5_000 });
  await Promise.allSettled(running.servers.map((server) => server.stop()));
  killTaggedProcesses(runId);
  running.releaseDataDir?.();
});

const startup = main();

onShutdownSignal(
  (signal) => {
    note(`${signal}: stopping Steward (Ctrl-C again to kill at once)`);
    shuttingDown = true;
    requestShutdown();
    // Let a start in progress finish its step, so whatever it started gets stopped too.
    Promise.race([startup.catch(() => {}), delay(20_000)])
      .then(stopEverything)
      .finally(() => {
        note('stopped');
        process.exit(0);
      });
  },
  () => {
    for (const service of running.services) service.kill();
    killTaggedProcesses(runId);
  },
);

startup.then(
  (keepRunning) => {
    // Child processes keep Node alive, but with external servers and no services there are none.
    if (keepRunning) setInterval(() => {}, 1 << 30);
  },
  async (error) => {
    if (shuttingDown) return;
    process.stderr.write(`[steward] ${error instanceof InfraError ? error.message : error.stack}\n`);
    await stopEverything();
    process.exit(1);
  },
);

async function main() {
  const flags = parseFlags(process.argv.slice(2), root);
  if (flags.help) {
    process.stdout.write(`${HELP}\n`);
    return false;
  }
  const problems = environmentProblems(process.env);
  if (problems.length > 0) throw new InfraError(`Invalid configuration:\n  ${problems.join('\n  ')}`);

  await ensureDependencies(root);
  // The dashboard is served by admin-api from services/admin-ui/dist: build it when stale.
  if (!flags.noUi) await ensureUiBuilt({ log: note }).catch((error) => { throw new InfraError(error.message); });
  const services = findServices(flags);
  const ports = await planPorts({ portBase: flags.portBase, env: process.env, serviceCount: services.length });

  mkdirSync(flags.dataDir, { recursive: true });
  // Postgres runs as the `postgres` user when we are root; it must reach its folder.
  if (isRoot()) chmodSync(flags.dataDir, 0o755);
  running.releaseDataDir = claimDataDir(flags.dataDir);
  const credentials = loadOrCreateCredentials(flags.dataDir);

  const { natsUrl, databaseUrl } = await startInfrastructure(flags.dataDir, ports);
  const discord = process.env.DISCORD_BOT_TOKEN ? undefined : await startSandbox(ports, flags.dataDir);

  const serviceEnv = {
    ...process.env,
    ...typescriptEnv(),
    NATS_URL: natsUrl,
    DATABASE_URL: databaseUrl,
    STEWARD_LOCAL: '1',
    STEWARD_DATA_DIR: flags.dataDir,
    STEWARD_LOCAL_TENANT_ID: credentials.tenantId,
    STEWARD_LOCAL_API_KEY: credentials.apiKey,
    STEWARD_LOCAL_ADMIN_EMAIL: credentials.email,
    STEWARD_LOCAL_ADMIN_PASSWORD: credentials.password,
    STEWARD_MASTER_KEY: process.env.STEWARD_MASTER_KEY || credentials.masterKey,
    ADMIN_PORT: String(ports.admin),
    INTERACTIONS_PORT: String(ports.interactions),
    ...(flags.noUi ? { STEWARD_NO_UI: '1' } : {}),
    ...(discord?.env ?? {}),
  };
  if (shuttingDown) return false;
  alignPrefixes(services.map((service) => service.name));
  running.services = services.map(
    (service, index) =>
      new Supervisor(service.name, {
        command: process.execPath,
        args: ['--import', '@swc-node/register/esm-register', service.entry],
        cwd: root,
        env: { ...serviceEnv, OPS_PORT: String(ports.ops[index]) },
        isReady: (text) => text.includes('"msg":"service ready"'),
      }),
  );
  for (const service of running.services) service.start();
  await waitForServices(running.services);
  if (shuttingDown) return false;

  printBanner({ ports, credentials, discord, natsUrl, databaseUrl, flags, services });
  return true;
}

/**
 * Makes this run the data dir's only user. A run that was killed (SIGKILL, a closed
 * terminal) left its services running: stop them. Its NATS and Postgres are left to
 * startNats and startPostgres, which shut them down cleanly.
 */
function claimDataDir(dataDir) {
  const file = path.join(dataDir, 'steward.pid.json');
  if (existsSync(file)) {
    let previous;
    try {
      previous = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      previous = {};
    }
    if (previous.pid && isAlive(previous.pid) && processCommand(previous.pid).includes('start.mjs')) {
      throw new InfraError(`Steward is already running on ${dataDir} (pid ${previous.pid}): stop it first, or use another --data-dir.`);
    }
    if (previous.runId) {
      const isServer = (command) => command.includes('postgres') || command.includes('nats-server');
      const stopped = killTaggedProcesses(previous.runId, isServer);
      if (stopped > 0) note(`Stopped ${stopped} process${stopped === 1 ? '' : 'es'} left running by an earlier run that was killed`);
    }
  }
  writeFileSync(file, `${JSON.stringify({ pid: process.pid, runId })}\n`);
  return () => rmSync(file, { force: true });
}

function findServices({ servicesDir, only, noUi }) {
  const available = existsSync(servicesDir)
    ? readdirSync(servicesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(path.join(servicesDir, entry.name, 'src', 'main.ts')))
        .map((entry) => entry.name)
        .sort()
    : [];
  if (only) {
    const unknown = only.filter((name) => !available.includes(name));
    if (unknown.length > 0) {
      throw new InfraError(`Unknown service${unknown.length > 1 ? 's' : ''} in --only: ${unknown.join(', ')} (available: ${available.join(', ') || 'none'}).`);
    }
  }
  return available
    .filter((name) => !only || only.includes(name))
    .filter((name) => !(noUi && name === 'admin-ui'))
    .map((name) => ({ name, entry: path.join(servicesDir, name, 'src', 'main.ts') }));
}

async function startInfrastructure(dataDir, ports) {
  const starting = [];
  if (!process.env.NATS_URL) {
    const binary = await ensureNatsServer();
    starting.push(startNats({ dataDir: path.join(dataDir, 'nats'), port: ports.nats, binary }));
  }
  if (!process.env.DATABASE_URL) {
    const binaries = await ensurePostgresBinaries();
    starting.push(startPostgres({ dataDir: path.join(dataDir, 'postgres'), port: ports.postgres, binaries }));
  }
  const results = await Promise.allSettled(starting);
  for (const result of results) if (result.status === 'fulfilled') running.servers.push(result.value);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const started = results.map((result) => result.value);
  return {
    natsUrl: process.env.NATS_URL || started.find((server) => server.url.startsWith('nats:')).url,
    databaseUrl: process.env.DATABASE_URL || started.find((server) => server.url.startsWith('postgres:')).url,
  };
}

/**
 * Starts the Discord sandbox and returns the Discord settings the services need. It prints
 * `{"event":"sandbox ready","url","applicationId","botToken","publicKey"}` once listening.
 */
async function startSandbox(ports, dataDir) {
  if (!existsSync(SANDBOX_ENTRY)) {
    note(`Discord sandbox not started: ${path.relative(root, SANDBOX_ENTRY)} does not exist. Set DISCORD_BOT_TOKEN to use a real bot.`);
    return undefined;
  }
  const print = prefixedPrinter('sandbox');
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', SANDBOX_ENTRY], {
    cwd: root,
    env: {
      ...process.env,
      ...typescriptEnv(),
      SANDBOX_PORT: String(ports.sandbox),
      // Where the sandbox delivers signed interactions (/ask), as Discord would.
      SANDBOX_INTERACTIONS_URL: `http://127.0.0.1:${ports.interactions}/discord/webhook/`,
      STEWARD_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = exitPromise(child);
  running.sandbox = { child, exited };
  const ready = new Promise((resolve) => {
    readLines(child, (text) => {
      const event = parseJson(text);
      if (event?.event === 'sandbox ready') resolve(event);
      print(text);
    });
  });
  exited.then(({ code, signal }) => {
    if (!shuttingDown) note(`The Discord sandbox stopped (${signal ? `signal ${signal}` : `exit code ${code}`}); Discord features are unavailable.`);
  });
  const outcome = await Promise.race([ready, exited.then(() => undefined), delay(60_000), shutdownRequested]);
  if (shuttingDown) return undefined;
  if (!outcome || typeof outcome !== 'object') throw new InfraError('The Discord sandbox did not report "sandbox ready"; see its output above.');
  for (const key of ['url', 'applicationId', 'botToken', 'publicKey']) {
    if (typeof outcome[key] !== 'string' || !outcome[key]) throw new InfraError(`The Discord sandbox's ready line has no "${key}".`);
  }
  return {
    url: outcome.url,
    env: {
      DISCORD_API_URL: typeof outcome.apiUrl === 'string' ? outcome.apiUrl : `${outcome.url.replace(/\/$/, '')}/api`,
      DISCORD_BOT_TOKEN: outcome.botToken,
      DISCORD_APPLICATION_ID: outcome.applicationId,
      DISCORD_PUBLIC_KEY: outcome.publicKey,
    },
  };
}

async function waitForServices(services) {
  if (services.length === 0) return;
  const pending = new Set(services);
  for (const service of services) service.ready.then(() => pending.delete(service));
  await Promise.race([Promise.all(services.map((service) => service.ready)), delay(SERVICE_READY_TIMEOUT_MS), shutdownRequested]);
  if (pending.size > 0 && !shuttingDown) {
    note(`Not ready after ${SERVICE_READY_TIMEOUT_MS / 1000}s: ${[...pending].map((service) => service.name).join(', ')} (still retrying; see their output).`);
  }
}

function printBanner({ ports, credentials, discord, natsUrl, databaseUrl, flags, services }) {
  const admin = `http://127.0.0.1:${ports.admin}`;
  const lines = [
    '',
    `${READY_BANNER} (${services.length} service${services.length === 1 ? '' : 's'}: ${services.map((s) => s.name).join(', ') || 'none found'})`,
    `  Dashboard:        ${flags.noUi ? '(disabled by --no-ui)' : `${admin}/`}`,
    `  Admin API:        ${admin}/api/v1  (OpenAPI at ${admin}/api/docs)`,
    `  Interactions:     http://127.0.0.1:${ports.interactions}/discord/webhook/`,
    `  Discord sandbox:  ${discord ? discord.url : process.env.DISCORD_BOT_TOKEN ? '(not used: DISCORD_BOT_TOKEN is set)' : '(not started)'}`,
    `  Login:            ${credentials.email} / ${credentials.password}`,
    `  API key:          ${credentials.apiKey}`,
    `  Credentials:      ${credentials.file}`,
    `  NATS:             ${natsUrl}`,
    `  Postgres:         ${databaseUrl}`,
    '  Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** SWC reads compiler options from tsconfig.json in the working dir; point it at ours. */
function typescriptEnv() {
  if (process.env.SWC_NODE_PROJECT || existsSync(path.join(root, 'tsconfig.json'))) return {};
  return { SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json') };
}

function parseJson(text) {
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function note(message) {
  process.stderr.write(`[steward] ${message}\n`);
}

function once(fn) {
  let result;
  return () => (result ??= fn());
}
