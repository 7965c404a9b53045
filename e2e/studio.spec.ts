/**
 * The foundation's vertical slice in a real browser: the studio opens the fixture model, dragging ψ
 * changes the picture, and the picture equals independent renders of the same seed and ψ: one made
 * in Node (onnxruntime-web WASM, outside the browser), one by PyTorch from the fixture's weights.
 */
import { test, expect } from './fixtures';
import { pixelDiff as meanAbsDiff, renderInNode as nodeRender, renderInPytorch } from './reference';
import { pythonMissing } from '../test-support/python';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';

/**
 * Tolerance against the Node WASM render, in 8-bit levels: the same WASM kernels agree to rounding
 * (≤ 1 level); WebGPU's float32 shaders reorder sums, which moves a few pixels across a rounding
 * edge, so it gets a looser bound on the worst pixel but the same tight mean.
 */
const TOLERANCE = { wasm: { mean: 0.05, max: 1 }, webgpu: { mean: 0.5, max: 8 } } as const;

test('opens the bundled model, follows ψ live, and matches an independent Node render', async ({ studio, backend }) => {
  const { page } = studio;
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null })));
  const before = await studio.pixels();
  expect(before.width).toBe(32);

  // Drag ψ with the keyboard, as a user would: 50 steps of 0.01 down from 1.00 → 0.50.
  const slider = page.getByTestId('psi-slider');
  await slider.focus();
  for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowLeft');
  await expect(slider).toHaveValue('0.5');
  const key = stateKey(MODEL, latentState({ seed: 0, psi: 0.5, cutoff: null }));
  await studio.waitForFrame(key);
  const after = await studio.pixels();
  expect(meanAbsDiff(before.data, after.data).mean, 'ψ 1 → 0.5 must change the picture').toBeGreaterThan(2);

  const expected = await nodeRender(latentState({ seed: 0, psi: 0.5, cutoff: null }));
  const diff = meanAbsDiff(after.data, expected);
  test.info().annotations.push({ type: 'diff vs node', description: JSON.stringify(diff) });
  expect(diff.mean).toBeLessThanOrEqual(TOLERANCE[backend].mean);
  expect(diff.max).toBeLessThanOrEqual(TOLERANCE[backend].max);

  await expect(page.getByTestId('frame-ms')).toHaveText(/^\d+\.\d ms$/);
});

test('the whole picture equals a PyTorch render of the same weights, within one 8-bit level', async ({ studio, backend }) => {
  const missing = pythonMissing('torch', 'numpy');
  test.skip(missing !== '', missing);
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null })));
  const shown = await studio.pixels();
  const expected = renderInPytorch(0, 1);
  expect([shown.width, shown.height]).toEqual([expected.width, expected.height]);
  // Every pixel of every channel: the studio's pipeline and ONNX graph against the PyTorch model.
  const diff = meanAbsDiff(shown.data, expected.data);
  test.info().annotations.push({ type: 'diff vs pytorch', description: JSON.stringify(diff) });
  expect(diff.max).toBeLessThanOrEqual(TOLERANCE[backend].max);
  expect(diff.mean).toBeLessThanOrEqual(TOLERANCE[backend].mean);
});

test('seed field and random seed change the picture; cutoff limits truncation', async ({ studio }) => {
  const { page } = studio;
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null })));
  const seed0 = await studio.pixels();

  await page.getByTestId('seed-input').fill('42');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 42, psi: 1, cutoff: null })));
  const seed42 = await studio.pixels();
  expect(meanAbsDiff(seed0.data, seed42.data).mean).toBeGreaterThan(2);

  await page.getByTestId('seed-random').click();
  await expect(page.getByTestId('seed-input')).not.toHaveValue('42');
  const randomSeed = Number(await page.getByTestId('seed-input').inputValue());
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: randomSeed, psi: 1, cutoff: null })));

  // ψ = 0 with cutoff 2 truncates only the two coarsest rows: not the same as truncating all rows.
  await page.getByTestId('seed-input').fill('42');
  await page.getByTestId('psi-slider').fill('0');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 42, psi: 0, cutoff: null })));
  const all = await studio.pixels();
  await page.getByTestId('cutoff-input').fill('2');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 42, psi: 0, cutoff: 2 })));
  const coarse = await studio.pixels();
  expect(meanAbsDiff(all.data, coarse.data).mean).toBeGreaterThan(2);
});

test('WebGPU and WASM render the same seed alike (backend override in the UI)', async ({ studio, backend }) => {
  test.skip(backend !== 'webgpu', 'compares WebGPU with WASM: runs in the chromium-webgpu project');
  const { page } = studio;
  await studio.open(MODEL);
  const key = stateKey(MODEL, latentState({ seed: 0, psi: 1, cutoff: null }));
  await studio.waitForFrame(key);
  const gpu = await studio.pixels();
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('preview-canvas')).not.toHaveAttribute('data-frames', '1');
  await studio.waitForFrame(key);
  const cpu = await studio.pixels();
  const diff = meanAbsDiff(gpu.data, cpu.data);
  test.info().annotations.push({ type: 'webgpu vs wasm', description: JSON.stringify(diff) });
  expect(diff.mean).toBeLessThanOrEqual(TOLERANCE.webgpu.mean);
  expect(diff.max).toBeLessThanOrEqual(TOLERANCE.webgpu.max);
});
