// The chart tests need neither NATS nor Postgres: no global setup.
const { globalSetup: _setup, globalTeardown: _teardown, ...preset } = require('../jest.preset.cjs');
module.exports = { ...preset, displayName: 'helm-chart', testTimeout: 60_000 };
