// Shared Jest preset: native ESM, TypeScript through SWC (decorator metadata for NestJS DI).
module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
        },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  passWithNoTests: true,
  // Integration tests talk to real servers on a 2-core machine; give them room.
  testTimeout: 20_000,
  // NATS and Postgres for tests: started by `npm test`, or here when Jest runs on its own.
  globalSetup: require.resolve('./libs/testing/src/jest-global-setup.cjs'),
  globalTeardown: require.resolve('./libs/testing/src/jest-global-teardown.cjs'),
  reporters: ['default', require.resolve('./libs/testing/src/summary-reporter.cjs')],
};
