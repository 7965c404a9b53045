/**
 * GPU-resident preview frames on WebGPU (issue 17): the synthesis output is drawn from its GPU
 * buffer by the worker's render pass, never read back on the interactive path, and shows the same
 * pixels as the readback path (the same WebGPU output converted in JavaScript) and as WASM.
 */
import { chromium } from '@playwright/test';
import { test, expect } from './fixtures';
import { chromiumPath, webgpuCanvasBroken } from './browser-flags';
import { pixelDiff } from './reference';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';

test.skip(({ backend }) => backend !== 'webgpu', 'GPU-resident frames exist on WebGPU only: runs in the chromium-webgpu project');

test('a ψ drag on WebGPU draws every frame on the GPU without readback, equal to the readback path within one level', async ({ studio }) => {
  const { page } = studio;
  const canvas = page.getByTestId('preview-canvas');
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null })));
  const slider = page.getByTestId('psi-slider');
  await slider.focus();
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
  const key = stateKey(MODEL, latentState({ seed: 0, psi: 0.8, cutoff: null }));
  await studio.waitForFrame(key);
  await expect(canvas).toHaveAttribute('data-frame-path', 'gpu');
  await expect(canvas).toHaveAttribute('data-device-readbacks', '0');
  expect(Number(await canvas.getAttribute('data-frames')), 'the drag drew frames').toBeGreaterThan(1);
  const gpu = await studio.pixels();

  // The mixing grid's thumbnails need bytes: their runs read back, and the counter sees it.
  await page.getByTestId('mix-grid-open').click();
  const grid = page.getByTestId('mix-grid');
  await grid.getByTestId('mix-grid-seeds-a').fill('1,2');
  await grid.getByTestId('mix-grid-seeds-b').fill('3');
  await grid.getByTestId('mix-grid-render').click();
  await expect(grid.locator('[data-testid="mix-grid-cell"][data-ready="true"]')).toHaveCount(2 + 1 + 2);
  await grid.getByTestId('mix-grid-close').click();
  await slider.fill('0.7');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, psi: 0.7, cutoff: null })));
  await expect(canvas).toHaveAttribute('data-frame-path', 'gpu');
  expect(Number(await canvas.getAttribute('data-device-readbacks')), 'thumbnails are read back').toBeGreaterThan(0);

  // The same WebGPU inference on today's path: read back, converted in JavaScript, put on the canvas.
  const url = new URL(page.url());
  url.searchParams.set('present', 'cpu');
  await page.goto(url.toString());
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByTestId('psi-slider').fill('0.8');
  await studio.waitForFrame(key);
  await expect(canvas).toHaveAttribute('data-frame-path', 'cpu');
  const readback = await studio.pixels();
  expect([gpu.width, gpu.height]).toEqual([readback.width, readback.height]);
  const diff = pixelDiff(gpu.data, readback.data);
  test.info().annotations.push({ type: 'gpu-drawn vs readback', description: JSON.stringify(diff) });
  expect(diff.max).toBeLessThanOrEqual(1);

  // And against WASM, whose kernels sum in another order than WebGPU's (studio.spec.ts's bound).
  const drawn = (await canvas.getAttribute('data-frames'))!;
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await expect(canvas).not.toHaveAttribute('data-frames', drawn);
  await studio.waitForFrame(key);
  const wasm = pixelDiff(gpu.data, (await studio.pixels()).data);
  test.info().annotations.push({ type: 'gpu-drawn vs wasm', description: JSON.stringify(wasm) });
  expect(wasm.mean).toBeLessThanOrEqual(0.5);
  expect(wasm.max).toBeLessThanOrEqual(8);
});

test('where WebGPU cannot draw to a canvas, the model stays on WebGPU and its frames are read back', async ({ host }) => {
  // A browser of its own: this configuration loses the GPU on a canvas draw (present-probe.ts).
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', ...webgpuCanvasBroken], headless: true });
  try {
    const page = await browser.newPage();
    const url = new URL(host.url);
    url.searchParams.set('backend', 'webgpu');
    url.searchParams.set('model', MODEL);
    await page.goto(url.toString());
    const canvas = page.getByTestId('preview-canvas');
    await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null })));
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
    await expect(canvas).toHaveAttribute('data-frame-path', 'cpu');
    await expect(canvas).toHaveAttribute('data-gpu-path-off', /canvas lost the GPU device/);
    await page.getByTestId('psi-slider').fill('0.8');
    await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed: 0, psi: 0.8, cutoff: null })));
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  } finally {
    await browser.close();
  }
});
