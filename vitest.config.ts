import { defineConfig } from 'vitest/config';

/** Unit tests beside the code, plus the contract and lint suites; end-to-end runs in Playwright. */
export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'test/contract/**/*.test.ts', 'test/lint/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
