// What `npm start` is asked to do: command-line flags, the environment (validated, one clear
// line per problem), the local credentials kept in the data dir, and the ports to use.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InfraError, firstFreePort, isPortFree } from './infra.mjs';

export const HELP = `Usage: npm start -- [options]

Runs the whole Steward stack on this machine: NATS (JetStream) and Postgres from the
system's binaries, the Discord sandbox when no DISCORD_BOT_TOKEN is set, and every service
under services/. Ctrl-C stops everything.

Options:
  --data-dir <dir>       Where NATS, Postgres and credentials.json live
                         (default: $STEWARD_DATA_DIR, else .data/ in the repository)
  --only <services>      Start only these services, comma-separated (e.g. gateway,router)
  --no-ui                Do not start the admin web UI
  --port-base <port>     Try ports from here on instead of the defaults (NATS 4222,
                         Postgres 5433, admin 8080, interactions 8081, ops 9100...)
  --services-dir <dir>   Where to look for <name>/src/main.ts (default: services/)
  -h, --help             Show this help

Environment (all optional): NATS_URL and DATABASE_URL use existing servers instead of local
ones; DISCORD_BOT_TOKEN, DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY and DISCORD_API_URL use a
real Discord bot instead of the sandbox; ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
STEWARD_MASTER_KEY, SMTP_URL, OTEL_EXPORTER_OTLP_ENDPOINT, STEWARD_DATA_DIR, ADMIN_PORT,
INTERACTIONS_PORT.`;

/** Parses the command line; throws InfraError with one line on a bad flag. */
export function parseFlags(argv, root) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        'data-dir': { type: 'string' },
        only: { type: 'string' },
        'no-ui': { type: 'boolean' },
        'port-base': { type: 'string' },
        'services-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new InfraError(`${error.message} (see npm start -- --help)`);
  }
  const portBase = values['port-base'] === undefined ? undefined : parsePort(values['port-base'], '--port-base');
  const only = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
  if (values.only !== undefined && only.length === 0) throw new InfraError('--only needs at least one service name, e.g. --only gateway,router');
  const dataDirFlag = values['data-dir'] ?? process.env.STEWARD_DATA_DIR;
  if (dataDirFlag !== undefined && dataDirFlag.trim() === '') throw new InfraError('The data dir must not be empty (--data-dir or STEWARD_DATA_DIR).');
  return {
    help: Boolean(values.help),
    dataDir: path.resolve(dataDirFlag ?? path.join(root, '.data')),
    only,
    noUi: Boolean(values['no-ui']),
    portBase,
    servicesDir: path.resolve(root, values['services-dir'] ?? 'services'),
  };
}

function parsePort(text, what) {
  const port = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || port < 1 || port > 65535) throw new InfraError(`${what} must be a port number (1-65535), got "${text}".`);
  return port;
}

const URL_VARIABLES = {
  NATS_URL: ['nats:', 'tls:', 'ws:', 'wss:'],
  DATABASE_URL: ['postgres:', 'postgresql:'],
  DISCORD_API_URL: ['http:', 'https:'],
  ANTHROPIC_BASE_URL: ['http:', 'https:'],
  SMTP_URL: ['smtp:', 'smtps:'],
  OTEL_EXPORTER_OTLP_ENDPOINT: ['http:', 'https:'],
};

/** Returns the problems with the environment, one line each (empty when all is well). */
export function environmentProblems(env) {
  const problems = [];
  const set = (name) => env[name] !== undefined && env[name] !== '';
  for (const [name, protocols] of Object.entries(URL_VARIABLES)) {
    if (!set(name)) continue;
    // NATS takes a comma-separated list of servers.
    const values = name === 'NATS_URL' ? env[name].split(',') : [env[name]];
    for (const value of values) {
      let url;
      try {
        url = new URL(value.trim());
      } catch {
        problems.push(`${name} is not a URL: "${value}"`);
        continue;
      }
      if (!protocols.includes(url.protocol)) problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${value}"`);
    }
  }
  for (const name of ['ADMIN_PORT', 'INTERACTIONS_PORT']) {
    if (!set(name)) continue;
    try {
      parsePort(env[name], name);
    } catch (error) {
      problems.push(error.message);
    }
  }
  if (set('DISCORD_BOT_TOKEN')) {
    if (!/^\d{17,20}$/.test(env.DISCORD_APPLICATION_ID ?? '')) problems.push('DISCORD_APPLICATION_ID must be set to the bot\'s application id (a number) when DISCORD_BOT_TOKEN is set');
    if (!/^[0-9a-f]{64}$/i.test(env.DISCORD_PUBLIC_KEY ?? '')) problems.push('DISCORD_PUBLIC_KEY must be set to the application\'s public key (64 hex characters) when DISCORD_BOT_TOKEN is set');
  }
  if (set('STEWARD_MASTER_KEY') && env.STEWARD_MASTER_KEY.length < 32) problems.push('STEWARD_MASTER_KEY must be at least 32 characters (it encrypts bot tokens at rest)');
  if (set('ANTHROPIC_API_KEY') && /\s/.test(env.ANTHROPIC_API_KEY)) problems.push('ANTHROPIC_API_KEY contains whitespace');
  return problems;
}

/**
 * The local tenant's login, API key and (unless STEWARD_MASTER_KEY is set) master key:
 * generated on the first start, kept in `<data dir>/credentials.json` for the next ones.
 */
export function loadOrCreateCredentials(dataDir) {
  const file = path.join(dataDir, 'credentials.json');
  if (existsSync(file)) {
    let stored;
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new InfraError(`${file} is not valid JSON (${error.message}): fix it or delete it to generate new credentials.`);
    }
    for (const key of ['email', 'password', 'apiKey', 'masterKey']) {
      if (typeof stored[key] !== 'string' || !stored[key]) throw new InfraError(`${file} has no "${key}": fix it or delete it to generate new credentials.`);
    }
    // Data dirs from before the tenant id was recorded get one now, kept from then on.
    if (typeof stored.tenantId !== 'string' || !stored.tenantId) {
      stored.tenantId = randomUUID();
      writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    }
    return { file, created: false, ...stored };
  }
  const credentials = {
    tenantId: randomUUID(),
    email: 'admin@steward.local',
    password: randomBytes(12).toString('base64url'),
    apiKey: `stw_${randomBytes(24).toString('base64url')}`,
    masterKey: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, created: true, ...credentials };
}

/**
 * Picks the ports for this start. Defaults move to the next free port when taken; a port
 * the user set explicitly must be free.
 */
export async function planPorts({ portBase, env, serviceCount }) {
  const taken = new Set();
  const pick = async (preferred) => {
    const port = await firstFreePort(preferred, { taken });
    taken.add(port);
    return port;
  };
  const explicit = async (name) => {
    const port = Number(env[name]);
    if (!(await isPortFree(port))) throw new InfraError(`${name} ${port} is already in use on 127.0.0.1: stop what uses it or choose another port.`);
    taken.add(port);
    return port;
  };
  const base = (offset, fallback) => (portBase === undefined ? fallback : portBase + offset);
  const ports = {
    nats: env.NATS_URL ? undefined : await pick(base(0, 4222)),
    postgres: env.DATABASE_URL ? undefined : await pick(base(1, 5433)),
    admin: env.ADMIN_PORT ? await explicit('ADMIN_PORT') : await pick(base(2, 8080)),
    interactions: env.INTERACTIONS_PORT ? await explicit('INTERACTIONS_PORT') : await pick(base(3, 8081)),
    sandbox: await pick(base(4, 8090)),
    ops: [],
  };
  let next = base(10, 9100);
  for (let i = 0; i < serviceCount; i++) {
    const port = await pick(next);
    ports.ops.push(port);
    next = port + 1;
  }
  return ports;
}
