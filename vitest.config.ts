import { defineConfig } from 'vitest/config';

/**
 * Unit tests beside the code, the contract and lint suites, and process tests (which run the
 * built `bin/pixelsmith.js`, so `npm run build` comes first). End-to-end runs in Playwright.
 */
export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'electron/**/*.test.ts',
      'test/contract/**/*.test.ts',
      'test/lint/**/*.test.ts',
      'test/process/**/*.test.ts',
      'test/fakes/**/*.test.ts',
      'test/helpers/**/*.test.ts',
      'renderer/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
