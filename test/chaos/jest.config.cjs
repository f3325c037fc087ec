module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'chaos',
  // The short chaos run kills and restarts real processes and a NATS server.
  testTimeout: 240_000,
};
