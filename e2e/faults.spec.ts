/**
 * Faults injected on the real objects: the inference worker is terminated (Worker.terminate(), as a
 * crash or the OS would end it), and on WebGPU the runtime's real GPUDevice is destroyed. The
 * studio must notice, start again (on WASM after a lost device), and show the same state again
 * without the user losing anything.
 */
import { test, expect, type StudioPage } from './fixtures';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';

async function framesDrawn(studio: StudioPage): Promise<number> {
  return Number(await studio.page.getByTestId('preview-canvas').getAttribute('data-frames'));
}

/** Set a state worth keeping: seed, ψ and a mixed source row. */
async function makeSomeWork(studio: StudioPage): Promise<string> {
  const { page } = studio;
  await page.getByTestId('seed-input').fill('11');
  await page.getByTestId('psi-slider').fill('0.7');
  const key = stateKey(MODEL, latentState({ seed: 11, psi: 0.7 }));
  await studio.waitForFrame(key);
  return key;
}

test('a crashed inference worker is restarted and the current state rendered again', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'the worker restart does not depend on the backend; the WASM project covers it');
  const { page } = studio;
  await studio.open(MODEL);
  const key = await makeSomeWork(studio);
  const before = await framesDrawn(studio);

  await page.evaluate(() => window.__latentStudioTest!.crashWorker!());
  await expect(page.getByTestId('error-banner')).toContainText('The inference worker stopped unexpectedly. The studio restarted it and rendered your image again');
  await expect.poll(() => framesDrawn(studio)).toBeGreaterThan(before);
  await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', key);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');

  // The new worker serves new requests too, and background jobs run on it.
  await page.getByTestId('seed-input').fill('12');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 12, psi: 0.7 })));
});

test('a lost GPU device is detected and the studio falls back to WASM with the same picture', async ({ studio, backend }) => {
  test.skip(backend !== 'webgpu', 'needs a real GPUDevice (the chromium-webgpu project)');
  const { page } = studio;
  await studio.open(MODEL);
  const key = await makeSomeWork(studio);
  const before = await framesDrawn(studio);

  await page.evaluate(() => window.__latentStudioTest!.loseGpuDevice!());
  await expect(page.getByTestId('error-banner')).toContainText(/The GPU device was lost \(destroyed: .*\)\. The studio switched to WASM/);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('title', /the GPU device was lost/);
  await expect.poll(() => framesDrawn(studio)).toBeGreaterThan(before);
  await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', key);
  await page.getByTestId('seed-input').fill('12');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 12, psi: 0.7 })));
});
