module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'fuzz',
  // Property runs against real processes; each file bounds its own number of runs.
  testTimeout: 60_000,
};
