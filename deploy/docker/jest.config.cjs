module.exports = { ...require('../../jest.preset.cjs'), displayName: 'docker-build' };
