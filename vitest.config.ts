import { defineConfig } from 'vitest/config';

// Two projects: "unit" needs nothing running (pure controller, spec, real child processes);
// "integration" shares one real Temporal dev server started by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/k8s/**/*.test.ts', 'test/controller/**/*.test.ts', 'test/activities/**/*.test.ts'],
          testTimeout: 20_000,
          // The fast, pure part runs first so a broken rule fails the run in seconds.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/workflows/**/*.test.ts', 'test/api/**/*.test.ts', 'test/replay/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/kubectl/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Each file runs its own worker; two cores: keep the number of files at once small.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
