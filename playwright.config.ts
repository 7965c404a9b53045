import { defineConfig } from '@playwright/test';
import type { StudioOptions } from './e2e/fixtures';
import { chromiumPath as executablePath, webgpuFlags } from './e2e/browser-flags';

const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** Chromium's fake capture device (a beeping tone) with its permission prompt accepted: recording an audio track. */
const fakeMedia = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

export default defineConfig<StudioOptions>({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: { headless: true, viewport: { width: 1280, height: 800 } },
  projects: [
    {
      name: 'chromium-wasm',
      testIgnore: /electron\.spec\.ts/,
      use: { backend: 'wasm', launchOptions: { executablePath, args: [...quiet, '--disable-gpu', ...fakeMedia] } },
    },
    {
      name: 'chromium-webgpu',
      testIgnore: /electron\.spec\.ts/,
      use: { backend: 'webgpu', launchOptions: { executablePath, args: [...quiet, ...webgpuFlags] } },
    },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
});
