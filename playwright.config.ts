/*
 * Browser e2e tests (e2e/) with Playwright driving Debian's Chromium (/usr/bin/chromium):
 * Playwright's own browser download is unreachable here. `yarn test:all` starts the stack
 * (sandbox + backend + frontend) itself and runs these; `yarn test:e2e` alone reuses a running
 * `yarn start` or starts one.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },

  webServer: {
    command: 'node scripts/start.mjs',
    url: 'http://localhost:3000',
    reuseExistingServer: true,
    timeout: 300_000,
    // SIGTERM (not Playwright's default SIGKILL) so scripts/start.mjs stops the sandbox and
    // Backstage process groups it started instead of leaving them running.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  },

  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'e2e/artifacts/report' }]],

  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000',
    actionTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },

  outputDir: 'e2e/artifacts/results',
  projects: [{ name: 'chromium' }],
});
