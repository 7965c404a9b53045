import { defineConfig } from '@playwright/test';
import type { StudioOptions } from './e2e/fixtures';

/** Debian's Chromium (installed by .ci/run); Playwright never downloads a browser here. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const quiet = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** Headless WebGPU on the SwiftShader software adapter (DESIGN.md §5): slow, but correct. */
/** Chromium's fake capture device (a beeping tone) with its permission prompt accepted: recording an audio track. */
const fakeMedia = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const webgpu = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];

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
      use: { backend: 'webgpu', launchOptions: { executablePath, args: [...quiet, ...webgpu] } },
    },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
});
