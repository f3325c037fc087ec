// Jest global setup: when Jest runs outside `npm test` (no NATS_URL / DATABASE_URL), start a
// NATS server and a Postgres for this Jest run. Under `npm test` the launcher already did.
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const infraModule = path.resolve(__dirname, '../../../deploy/local/infra.mjs');

module.exports = async function startTestInfrastructure() {
  if (process.env.NATS_URL && process.env.DATABASE_URL) return;
  const infra = await import(pathToFileURL(infraModule).href);
  const runDir = infra.makeRunDir('steward-jest-');
  const started = { runDir, servers: [], variables: [] };
  // Read by the global teardown, which runs in this same process.
  globalThis.__stewardTestInfrastructure = started;
  try {
    if (!process.env.NATS_URL) {
      const nats = await infra.startNats({ dataDir: path.join(runDir, 'nats') });
      started.servers.push(nats);
      process.env.NATS_URL = nats.url;
      started.variables.push('NATS_URL');
    }
    if (!process.env.DATABASE_URL) {
      const postgres = await infra.startPostgres({ dataDir: path.join(runDir, 'postgres'), durable: false });
      started.servers.push(postgres);
      process.env.DATABASE_URL = postgres.url;
      started.variables.push('DATABASE_URL');
    }
  } catch (error) {
    await require('./jest-global-teardown.cjs')();
    throw error;
  }
};
