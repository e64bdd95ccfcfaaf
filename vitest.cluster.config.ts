import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the Job scenarios that matter for distribution, against a real Temporal
// cluster (PostgreSQL, 4 history shards, its services as separate processes) with two kjob APIs
// and three workers, each with its own data dir (scripts/cluster/cluster.sh). One file, in order:
// the scenarios share the cluster and some of them stop and restart parts of it.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
