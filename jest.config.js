// Two projects: unit specs (no I/O, next to the code) and integration specs (real Postgres, Redis, NATS).
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] };
const moduleNameMapper = {
  '^@switchyard/observability/register$': '<rootDir>/libs/observability/src/register.ts',
  '^@switchyard/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
};
const common = { rootDir: __dirname, transform, moduleNameMapper, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.integration.setup.js'],
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/apps/dashboard/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/apps/dashboard/e2e/support/global-setup.ts',
      globalTeardown: '<rootDir>/apps/dashboard/e2e/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/apps/dashboard/e2e/support/browser-test-setup.ts'],
    },
    // Fault injection and load through the full stack (`make chaos`); never part of the unit or integration runs.
    {
      ...common,
      displayName: 'chaos',
      testMatch: ['<rootDir>/{apps,libs}/**/*.chaos-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.integration.setup.js'],
    },
  ],
};
