import { defineConfig } from 'vitest/config';

const stackSetup = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Some unit tests run the CLI as a child process: seconds each on a busy 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: stackSetup,
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // Some files start private stacks (two JVMs each): one file at a time on a 2-core
          // machine, after one file's Kafka format failed while another started its stack.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: stackSetup,
          testTimeout: 300_000,
          hookTimeout: 180_000,
          // End-to-end runs start several stages each: one file at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
