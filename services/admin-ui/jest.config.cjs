// The dashboard's unit tests need no NATS or Postgres: skip the shared infrastructure setup.
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'admin-ui',
  globalSetup: undefined,
  globalTeardown: undefined,
};
