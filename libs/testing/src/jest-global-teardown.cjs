// Jest global teardown: stops whatever the global setup started, and removes its files.
const fs = require('node:fs');

module.exports = async function stopTestInfrastructure() {
  const started = globalThis.__stewardTestInfrastructure;
  if (!started) return;
  globalThis.__stewardTestInfrastructure = undefined;
  // Watch mode runs the setup again: it must not find the stopped servers' addresses.
  for (const name of started.variables) delete process.env[name];
  await Promise.allSettled(started.servers.map((server) => server.stop()));
  fs.rmSync(started.runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
};
