/**
 * The Blend dialog in the browser host, on the bundled demo model and its fine-tuned child: at
 * weight 0 the blend previews parent A's picture exactly, other weights change it, Save writes the
 * blend into the library and opens it (showing what the preview showed), and after a reload the
 * library still serves it.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { libraryIds } from './library-helpers';
import { latentState, stateKey } from '../app/state/latent-state';

test.skip(({ backend }) => backend === 'webgpu', 'the blend preview runs on WASM in every project and the save in the host; the WASM project covers it');

const PARENT = 'emoji-stylegan';
const CHILD = 'emoji-stylegan-food';

/** Wait until the dialog's previews show its current settings; returns the pixels of the three canvases. */
async function previews(page: Page): Promise<Record<'a' | 'b' | 'blend', number[]>> {
  const box = page.getByTestId('blend-previews');
  await expect(async () => expect(await box.getAttribute('data-rendered-key')).toBe(await box.getAttribute('data-key'))).toPass({ timeout: 60_000 });
  const read = (id: string) =>
    page.getByTestId(id).evaluate((canvas: HTMLCanvasElement) => Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data));
  return { a: await read('blend-preview-a'), b: await read('blend-preview-b'), blend: await read('blend-preview-blend') };
}

function differing(x: number[], y: number[]): number {
  return x.reduce((n, v, i) => n + (Math.abs(v - y[i]!) > 8 ? 1 : 0), 0);
}

test('blends the demo model with its child, follows the weights, saves and reopens the blend', async ({ studio }) => {
  const { page } = studio;
  await studio.open(PARENT);
  const state = latentState({ seed: 0, mix: [] });
  await studio.waitForFrame(stateKey(PARENT, state));
  const before = await libraryIds(page);

  await page.getByTestId('blend-open').click();
  await page.getByTestId('blend-model-b').selectOption(CHILD);
  const zero = await previews(page);
  expect(zero.blend).toEqual(zero.a);
  expect(differing(zero.a, zero.b)).toBeGreaterThan(500);

  // Coarse rows from the child, the rest blended half-way: unlike either parent.
  await page.getByTestId('blend-swap-4').check();
  await page.getByTestId('blend-swap-8').check();
  await page.getByTestId('blend-weight-16').fill('0.5');
  await page.getByTestId('blend-weight-mapping').fill('0.5');
  const mixed = await previews(page);
  expect(mixed.a).toEqual(zero.a);
  expect(differing(mixed.blend, mixed.a)).toBeGreaterThan(200);
  expect(differing(mixed.blend, mixed.b)).toBeGreaterThan(200);

  await page.getByTestId('blend-name').fill('Emoji food blend');
  await page.getByTestId('blend-save').click();
  await expect(page.getByRole('dialog', { name: 'Blend two models' })).toHaveCount(0);
  await expect(page.getByTestId('model-select')).toHaveValue('emoji-food-blend');
  await studio.waitForFrame(stateKey('emoji-food-blend', state));
  const saved = await studio.pixels();
  // The main preview draws what the dialog previewed (same seed, same backend).
  expect(saved.data).toEqual(mixed.blend);
  expect((await libraryIds(page)).sort()).toEqual([...before, 'emoji-food-blend'].sort());

  await page.reload();
  await page.getByTestId('model-select').selectOption('emoji-food-blend');
  await studio.waitForFrame(stateKey('emoji-food-blend', state));
  expect((await studio.pixels()).data).toEqual(mixed.blend);
});
