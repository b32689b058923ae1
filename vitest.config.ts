import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // NOTE: the end-to-end test starts its own stack on fixed ports, so files
    // that bind fixed ports must not run at the same time as each other.
    fileParallelism: true,
  },
});
