module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'ui',
  // A real browser against the whole stack: one file at a time, with room to build the dashboard.
  testTimeout: 90_000,
};
