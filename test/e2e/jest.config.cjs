module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'e2e',
  // Whole-stack tests start real processes; give them room, one file at a time.
  testTimeout: 60_000,
};
