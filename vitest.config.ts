import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // bench/lib holds engine layers only the benchmarks use; their tests run with the rest.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'lab/**/*.test.ts', 'bench/**/*.test.ts'],
    // Compiles the dashboard's browser modules when they changed (the service serves them from dist/).
    globalSetup: ['test/build-dashboard.ts'],
    // Generous: end-to-end tests (CLI runs, a grid, the lab, Kafka) must also pass on a loaded 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Two cores: the forest and the engine already use worker threads of their own.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
