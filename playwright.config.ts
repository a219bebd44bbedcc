import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive Debian's Chromium (never a Playwright-downloaded browser) against the
 * real `pixelsmith serve` process. PIXELSMITH_CHROMIUM points at another Chromium if needed.
 */
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/artifacts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.PIXELSMITH_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        // Screen pixels equal file pixels (the compare view's 100 % check).
        '--force-color-profile=srgb',
      ],
    },
  },
});
