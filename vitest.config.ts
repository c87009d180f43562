import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit` (npm test): in-process tests, milliseconds to a few seconds each. `e2e`
 * (npm run test:e2e): whatever starts a Coordinator or a Simulation, spawns the `cohort` CLI, or
 * loads MNIST: test/e2e/ and test/cli/ (every CLI test runs the command as a child process).
 */
const E2E = ['test/e2e/**/*.test.ts', 'test/cli/**/*.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/temp-dir-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...E2E] } },
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
