/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 30_000,
  // Each test file gets its own database, so files run in parallel safely.
  maxWorkers: process.env.JEST_MAX_WORKERS ?? '50%',
  // Every test file loads the whole server (Prisma's query compiler included) into a fresh module
  // registry; in one process for all 146 files the heap passed 5 GB and the run crawled. With a
  // limit, jest runs the files in workers (even one) and replaces a worker whose heap grew past it.
  workerIdleMemoryLimit: '1GB',
};
