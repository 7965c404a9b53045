/**
 * Noise and StyleGAN3 transform controls in the browser, on the fixtures exported with
 * `--noise-inputs` and `--transform-input`: switching the noise mode changes the picture and
 * switching back restores it exactly; moving the transform's x changes the picture and the reset
 * restores it. Each panel shows only for the packages that have the input.
 */
import { test, expect, type StudioPage } from './fixtures';
import { pixelDiff } from './reference';
import { latentState, stateKey } from '../app/state/latent-state';

const NOISE_MODEL = 'fixture-stylegan-tiny-noise';
const SG3_MODEL = 'fixture-stylegan3-tiny';

test.skip(({ backend }) => backend !== 'wasm', 'UI flow: one backend suffices (the WebGPU project checks rendering)');

/** Open `model` on seed 0 with every control at its default; returns the preview's pixels. */
async function openAtSeed0(studio: StudioPage, model: string): Promise<{ data: number[] }> {
  await studio.open(model);
  await studio.waitForFrame(stateKey(model, latentState({ seed: 0 })));
  return studio.pixels();
}

test('switching the noise mode changes the picture, and const again restores it exactly', async ({ studio }) => {
  const { page } = studio;
  const constant = await openAtSeed0(studio, NOISE_MODEL);
  await expect(page.getByTestId('transform-panel')).toHaveCount(0);

  const mode = page.getByRole('combobox', { name: /Noise/ });
  await expect(mode).toHaveAttribute('data-testid', 'noise-mode');
  await mode.selectOption('none');
  await studio.waitForFrame(stateKey(NOISE_MODEL, latentState({ seed: 0, noise: { mode: 'none', seed: 0, strength: 1 } })));
  const none = await studio.pixels();
  expect(pixelDiff(none.data, constant.data).mean).toBeGreaterThan(2);

  await mode.selectOption('random');
  await page.getByTestId('noise-seed').fill('5');
  await studio.waitForFrame(stateKey(NOISE_MODEL, latentState({ seed: 0, noise: { mode: 'random', seed: 5, strength: 1 } })));
  const random5 = await studio.pixels();
  expect(pixelDiff(random5.data, constant.data).mean).toBeGreaterThan(2);
  await page.getByTestId('noise-strength').fill('0.5');
  await studio.waitForFrame(stateKey(NOISE_MODEL, latentState({ seed: 0, noise: { mode: 'random', seed: 5, strength: 0.5 } })));
  expect(pixelDiff((await studio.pixels()).data, random5.data).mean).toBeGreaterThan(0.5);

  await page.getByTestId('noise-strength').fill('1');
  await mode.selectOption('const');
  await expect(page.getByTestId('noise-seed')).toHaveCount(0);
  await studio.waitForFrame(stateKey(NOISE_MODEL, latentState({ seed: 0, noise: { mode: 'const', seed: 5, strength: 1 } })));
  expect((await studio.pixels()).data).toEqual(constant.data);
});

test('moving transform-x changes a StyleGAN3 picture, and the reset restores it', async ({ studio }) => {
  const { page } = studio;
  const still = await openAtSeed0(studio, SG3_MODEL);
  await expect(page.getByTestId('noise-panel')).toHaveCount(0);

  const x = page.getByRole('slider', { name: /Translate x/ });
  await expect(x).toHaveAttribute('data-testid', 'transform-x');
  await x.fill('0.25');
  await studio.waitForFrame(stateKey(SG3_MODEL, latentState({ seed: 0, transform: { x: 0.25, y: 0, angle: 0 } })));
  expect(pixelDiff((await studio.pixels()).data, still.data).mean).toBeGreaterThan(2);

  await page.getByTestId('transform-angle').fill('30');
  await studio.waitForFrame(stateKey(SG3_MODEL, latentState({ seed: 0, transform: { x: 0.25, y: 0, angle: 30 } })));
  await page.getByTestId('transform-reset').click();
  await studio.waitForFrame(stateKey(SG3_MODEL, latentState({ seed: 0 })));
  expect((await studio.pixels()).data).toEqual(still.data);
  await expect(page.getByTestId('transform-reset')).toBeDisabled();
});
