/**
 * The same flow in the Electron host. Runs where an Electron binary is installed; elsewhere (this
 * project's CI machines cannot download one) it reports itself skipped, with the reason.
 */
import { _electron as electron, type ElectronApplication, type Page } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '@playwright/test';
import { findElectronBinary } from '../scripts/electron-binary.mjs';
import { latentState, stateKey } from '../app/state/latent-state';
import { METHODS } from '../app/contract/channels';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binary = findElectronBinary();
const MODEL = 'fixture-stylegan-tiny';

test.skip(!binary, 'no Electron binary is installed here (Electron downloads it from GitHub, which this machine cannot reach)');

/** Launch the studio app with the fixtures listed, run `body` on its first window, then close the app. */
async function withStudioApp(body: (app: ElectronApplication, page: Page) => Promise<void>): Promise<void> {
  const app = await electron.launch({
    executablePath: binary!,
    args: [ROOT, '--no-sandbox'],
    env: { ...process.env, LATENT_STUDIO_INCLUDE_FIXTURES: '1' },
  });
  try {
    await body(app, await app.firstWindow());
  } finally {
    await app.close();
  }
}

test('Electron host: secure window, live preview that follows ψ', async () => {
  await withStudioApp(async (app, page) => {
    // The page runs on app://, isolated, with no Node.
    expect(page.url()).toBe('app://studio/index.html');
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys(window.latentStudio ?? {}).sort())).toEqual([...METHODS].sort());
    expect(await page.evaluate(() => Object.keys(window.latentStudioFiles ?? {}))).toEqual(['pathForFile']);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    await page.getByTestId('model-select').selectOption(MODEL);
    const canvas = page.getByTestId('preview-canvas');
    await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null })));
    await page.getByTestId('psi-slider').fill('0.5');
    await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 0.5, cutoff: null })));
    // A page of the studio cannot open windows or navigate away.
    await page.evaluate(() => window.open('https://example.com'));
    expect(app.windows()).toHaveLength(1);
  });
});

test('Electron host: the native path serves the preview from a utility process, and its death falls back to WASM', async () => {
  await withStudioApp(async (app, page) => {
    await page.getByTestId('model-select').selectOption(MODEL);
    await page.getByTestId('backend-select').selectOption('native');
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-backend', 'native');
    await expect(badge).toHaveText(/^native \((cpu|cuda|dml|coreml)\)$/);
    const canvas = page.getByTestId('preview-canvas');
    await page.getByTestId('psi-slider').fill('0.5');
    await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 0.5, cutoff: null })));

    // The same frame on WASM: the UI cannot tell the runtimes apart beyond float rounding.
    const pixels = () => page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid="preview-canvas"]')!;
      return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
    });
    const native = await pixels();
    await page.getByTestId('backend-select').selectOption('wasm');
    await expect(badge).toHaveAttribute('data-backend', 'wasm');
    await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 0.5, cutoff: null })));
    await expect.poll(async () => (await pixels()).reduce((max, v, i) => Math.max(max, Math.abs(v - native[i]!)), 0)).toBeLessThanOrEqual(1);

    // Kill the utility process: the studio restarts its worker on WASM and says so.
    await page.getByTestId('backend-select').selectOption('native');
    await expect(badge).toHaveAttribute('data-backend', 'native');
    const killed = await app.evaluate(async ({ app: electronApp }) => {
      const host = electronApp.getAppMetrics().find((m) => m.type === 'Utility' && m.serviceName === 'Latent Studio inference');
      if (host) process.kill(host.pid, 'SIGKILL');
      return Boolean(host);
    });
    expect(killed).toBe(true);
    await expect(page.getByTestId('error-banner')).toContainText('native inference process ended unexpectedly');
    await expect(badge).toHaveAttribute('data-backend', 'wasm');
    await page.getByTestId('psi-slider').fill('0.6');
    await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 0.6, cutoff: null })));
  });
});
