/**
 * Inversion in the browser host: an exported PNG of one seed given to *Invert…* (file input),
 * run for a short budget — the loss falls and the result comes closer to the target than the
 * start — kept as the main latent (the preview draws the result's exact pixels, a keyframe is
 * added), edited with a PCA slider, exported as PNG and dropped back, which restores the same
 * pixels. Plus: a picture dropped on the dialog, the crop box, cancel keeping the best so far, and
 * a file that is not a picture.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';
import { dropPng, readExportedPng, testWithHost } from './exports';
import { latentState, stateKey } from '../app/state/latent-state';
import { encodePng } from '../app/codecs/png';

const MODEL = 'fixture-stylegan-tiny';
const exportDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-inversion-'));
const test = testWithHost({ LATENT_STUDIO_EXPORT_DIR: exportDir });
test.afterAll(() => rmSync(exportDir, { recursive: true, force: true }));

/** RGBA pixels of a canvas. */
function canvasPixels(canvas: Locator): Promise<number[]> {
  return canvas.evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
}

/** PSNR of two RGBA pixel arrays over R, G and B. */
function psnr(a: number[], b: number[]): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    se += (a[i]! - b[i]!) ** 2;
    n += 1;
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / se);
}

const loss = async (page: Page) => Number(await page.getByTestId('invert-loss').getAttribute('data-loss'));

test('invert an exported PNG, keep it, edit it, and restore it from its own PNG', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow: the inversion job runs the same graphs as the preview; the WASM project covers it');
  test.setTimeout(240_000);
  const { page } = studio;
  await studio.open(MODEL);
  await page.getByTestId('seed-input').fill('5');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 5 })));
  await page.getByTestId('export-png').click();
  await expect(page.getByTestId('export-status')).toHaveText(/^Saved fixture-stylegan-tiny-seed0005\.png/);
  const { png: target } = readExportedPng(exportDir, 'fixture-stylegan-tiny-seed0005.png');
  await page.getByTestId('seed-input').fill('17');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 17 })));

  await page.getByTestId('invert-open').click();
  const dialog = page.getByRole('dialog', { name: 'Invert a picture' });
  await dialog.getByTestId('invert-input').setInputFiles({ name: 'seed5.png', mimeType: 'image/png', buffer: Buffer.from(target) });
  await expect(dialog.getByTestId('invert-crop')).toBeVisible();
  await expect(dialog.getByTestId('invert-target')).toHaveAttribute('data-ready', 'true');
  const targetPixels = await canvasPixels(dialog.getByTestId('invert-target'));
  await dialog.getByTestId('invert-budget').fill('20');
  await dialog.getByTestId('invert-run').click();
  // The first report the page shows: on a fast machine it may already be a few generations in.
  const progress = dialog.getByTestId('invert-progress');
  await expect(progress).toContainText(/step \d+ · loss/);
  const firstStep = Number((await progress.textContent())!.match(/step (\d+)/)![1]);
  const firstLoss = await loss(page);
  const firstPsnr = psnr(await canvasPixels(dialog.getByTestId('invert-result')), targetPixels);
  await expect.poll(async () => Number((await progress.textContent())!.match(/step (\d+)/)?.[1] ?? -1)).toBeGreaterThan(firstStep);
  await expect(dialog.getByRole('status')).toHaveText('Done.', { timeout: 120_000 });
  const finalLoss = await loss(page);
  const result = await canvasPixels(dialog.getByTestId('invert-result'));
  expect(finalLoss).toBeLessThan(firstLoss * 0.7);
  expect(psnr(result, targetPixels)).toBeGreaterThan(firstPsnr + 3);
  await expect(dialog.getByTestId('invert-progress')).toHaveAttribute('aria-valuenow', '100');

  // Keep: the main latent is the explicit ws, drawn exactly as the result was, and a keyframe is added.
  await dialog.getByTestId('invert-keep').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', /\|explicit=/);
  expect((await studio.pixels()).data).toEqual(result);
  await expect(page.getByTestId('timeline').getByRole('listitem')).toHaveCount(1);

  // Push an edit slider: the picture changes from the kept one.
  await page.getByTestId('direction-compute-pca').click();
  await expect(page.getByTestId('direction-slider')).toHaveCount(20);
  await page.getByRole('slider', { name: 'PC1', exact: true }).fill('3');
  await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', /\|edits=pca-1:3\|.*explicit=/);
  const edited = (await studio.pixels()).data;
  expect(edited).not.toEqual(result);

  // Export, go elsewhere, drop the PNG back: the same pixels return.
  await page.getByTestId('export-png').click();
  await expect(page.getByTestId('export-status')).toHaveText(/^Saved (\S+\.png) in /);
  const saved = (await page.getByTestId('export-status').textContent())!.match(/^Saved (\S+\.png) in /)![1]!;
  const { png } = readExportedPng(exportDir, saved);
  await page.getByTestId('seed-input').fill('3');
  await expect(page.getByTestId('preview-canvas')).not.toHaveAttribute('data-rendered-key', /explicit=/);
  await dropPng(page, png, saved);
  await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', /\|edits=pca-1:3\|.*explicit=/);
  expect((await studio.pixels()).data).toEqual(edited);
});

test('a dropped picture of another size gets a crop box; cancel keeps the best so far', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow: the inversion job runs the same graphs as the preview; the WASM project covers it');
  test.setTimeout(120_000);
  const { page } = studio;
  await studio.open(MODEL);
  await page.getByTestId('invert-open').click();
  const dialog = page.getByRole('dialog', { name: 'Invert a picture' });
  // A 96×64 picture: left half red, right half blue; the centred square crop is 64 px wide.
  const pixels = new Uint8Array(96 * 64 * 3).map((_, i) => ((i % 3 === 0 && Math.floor(i / 3) % 96 < 48) || (i % 3 === 2 && Math.floor(i / 3) % 96 >= 48) ? 255 : 0));
  const dataTransfer = await page.evaluateHandle((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'wide.png', { type: 'image/png' }));
    return transfer;
  }, Array.from(encodePng(pixels, 96, 64)));
  await dialog.dispatchEvent('drop', { dataTransfer });
  const crop = dialog.getByTestId('invert-crop');
  await expect(crop).toHaveAttribute('aria-label', /64 px square at 16, 0/);
  // Moving the box all the way left makes the target mostly red.
  await crop.focus();
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowLeft');
  await expect(crop).toHaveAttribute('aria-label', /64 px square at 0, 0/);
  const target = await canvasPixels(dialog.getByTestId('invert-target'));
  expect(target.slice(0, 4)).toEqual([255, 0, 0, 255]);

  await dialog.getByTestId('invert-run').click();
  await expect(dialog.getByTestId('invert-progress')).toContainText(/step [2-9]\d* · loss/);
  await dialog.getByTestId('invert-cancel').click();
  await expect(dialog.getByRole('status')).toHaveText(/^Cancelled/);
  await expect(dialog.getByTestId('invert-result')).toHaveAttribute('data-ready', 'true');
  await expect(dialog.getByTestId('invert-keep')).toBeEnabled();
  // A file that is not a picture is refused with what to do.
  await dialog.getByTestId('invert-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(dialog.getByRole('status')).toHaveText(/notes\.txt is not a PNG, JPEG or WebP picture .*choose one of those/);
});
