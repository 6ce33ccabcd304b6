import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // In-process tests run the TypeScript sources; tests that spawn the CLI use the build (npm test builds first).
    alias: {
      '@swarmtune/core': src('core'),
      '@swarmtune/runner': src('runner'),
      '@swarmtune/redis-store': src('redis-store'),
      '@swarmtune/worker': src('worker'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // Integration tests start real processes; a retry would hide a real race, so none.
    retry: 0,
  },
});
