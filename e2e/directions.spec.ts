/**
 * Attribute sliders in the browser: PCA computed in the worker drives sliders whose edit grows with
 * |slider|; SeFa on a layer group; .npy/.npz import and its errors; teaching by example; and the
 * list kept with the model (rename, delete, reorder, export) across a reload.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { pixelDiff } from './reference';
import { test, expect, type StudioPage } from './fixtures';
import { latentState, stateKey, type Edit } from '../app/state/latent-state';
import { parseNpy, writeNpy } from '../app/codecs/npy';
import { writeNpz } from '../app/codecs/npz';
import type { Direction } from '../app/latent/directions';
import { apiPath, HOST_TOKEN_HEADER } from '../app/contract/routes';

const MODEL = 'fixture-stylegan-tiny';
const W_DIM = 64;

/** An edit as stateKey sees it (only id, amount and rows enter the key). */
function edit(id: string, amount: number, rows: [number, number] | null = null): Edit {
  return { id, name: id, space: 'w', vector: [], scale: 1, amount, rows };
}

function cosine(a: number[], b: number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    ab += a[j]! * b[j]!;
    aa += a[j]! * a[j]!;
    bb += b[j]! * b[j]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** The directions the host has saved for the model (what a reload or another window would see). */
function savedDirections(page: Page, token: string): Promise<Direction[]> {
  return page.evaluate(
    async ({ modelId, route, header, token }) => {
      const response = await fetch(route, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [header]: token },
        body: JSON.stringify({ modelId }),
      });
      return ((await response.json()) as { directions: Direction[] }).directions;
    },
    { modelId: MODEL, route: apiPath('listDirections'), header: HOST_TOKEN_HEADER, token },
  );
}

/** Open the fixture with no saved directions (the host is shared by the tests of this file). */
async function openClean(studio: StudioPage): Promise<void> {
  const response = await fetch(studio.host.origin + apiPath('saveDirections'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [HOST_TOKEN_HEADER]: studio.host.token },
    body: JSON.stringify({ modelId: MODEL, directions: [] }),
  });
  expect(response.status, await response.text()).toBe(200);
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0 })));
}

async function computePca(page: Page): Promise<void> {
  await page.getByTestId('direction-compute-pca').click();
  await expect(page.getByTestId('direction-slider')).toHaveCount(20);
  await expect(page.getByTestId('direction-progress')).toBeHidden();
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'UI flow: one backend suffices (the WebGPU project checks rendering)');
});

test('PCA sliders: the distance from the unedited image grows with |slider|', async ({ studio }) => {
  const { page } = studio;
  await openClean(studio);
  const plain = (await studio.pixels()).data;

  await page.getByTestId('direction-compute-pca').click();
  await expect(page.getByTestId('direction-progress')).toBeVisible();
  await expect(page.getByTestId('direction-slider')).toHaveCount(20);
  const status = await page.getByTestId('direction-status').textContent();
  expect(status).toMatch(/^PCA of 10,000 samples: \d+\.\d\d s in the worker\.$/);
  console.info(`browser (WASM worker): ${status}`);

  const slider = page.getByRole('slider', { name: 'PC1', exact: true });
  await expect(slider).toHaveAttribute('min', '-10');
  await expect(slider).toHaveAttribute('max', '10');
  for (const sign of [1, -1]) {
    let previous = 0;
    for (const step of [1, 2, 4, 6, 8, 10]) {
      const amount = sign * step;
      await slider.fill(String(amount));
      await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, edits: [edit('pca-1', amount)] })));
      const distance = pixelDiff(plain, (await studio.pixels()).data).mean;
      expect(distance, `distance at ${amount} σ`).toBeGreaterThan(previous);
      previous = distance;
    }
  }

  // Several sliders dragged in turn: the preview keeps up, the newest state wins, one offset applies.
  const second = page.getByRole('slider', { name: 'PC2', exact: true });
  const framesBefore = Number(await page.getByTestId('preview-canvas').getAttribute('data-frames'));
  for (let i = 1; i <= 10; i++) {
    await slider.fill(String(i / 2));
    await second.fill(String(-i / 2));
  }
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, edits: [edit('pca-1', 5), edit('pca-2', -5)] })));
  expect(Number(await page.getByTestId('preview-canvas').getAttribute('data-frames'))).toBeGreaterThan(framesBefore);

  // The row range narrows the edit to the chosen ws rows.
  await page.getByRole('button', { name: 'Options of PC2', exact: true }).click();
  await page.getByRole('spinbutton', { name: 'Last ws row edited by PC2' }).fill('3');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, edits: [edit('pca-1', 5), edit('pca-2', -5, [0, 3])] })));

  await page.getByTestId('direction-reset').click();
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0 })));
  expect(pixelDiff(plain, (await studio.pixels()).data).mean).toBe(0);
});

test('PCA can be cancelled and never blocks the preview', async ({ studio }) => {
  const { page } = studio;
  await openClean(studio);
  await page.getByTestId('direction-pca-samples').fill('1000000');
  await page.getByTestId('direction-compute-pca').click();
  await expect(page.getByTestId('direction-progress')).toBeVisible();
  // The preview still follows the seed while the job samples in the background.
  await page.getByTestId('seed-input').fill('5');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 5 })));
  await page.getByTestId('direction-cancel').click();
  await expect(page.getByTestId('direction-progress')).toBeHidden();
  await expect(page.getByTestId('direction-status')).toHaveText('PCA cancelled.');
  await expect(page.getByTestId('direction-slider')).toHaveCount(0);
});

test('SeFa on the coarse layers edits rows 0–3', async ({ studio }) => {
  const { page } = studio;
  await openClean(studio);
  const plain = (await studio.pixels()).data;
  await page.getByTestId('direction-sefa-layers').selectOption('coarse');
  await page.getByTestId('direction-compute-sefa').click();
  await expect(page.getByTestId('direction-slider')).toHaveCount(20);
  const first = page.getByRole('slider', { name: 'SeFa coarse 1', exact: true });
  await first.fill('5');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, edits: [edit('sefa-coarse-1', 5, [0, 3])] })));
  expect(pixelDiff(plain, (await studio.pixels()).data).mean).toBeGreaterThan(2);
});

test('imports .npy and .npz directions, rejects other shapes, and makes one orthogonal to another', async ({ studio }) => {
  const { page } = studio;
  await openClean(studio);
  const plain = (await studio.pixels()).data;
  const input = page.getByTestId('direction-import');

  const axis = new Float32Array(W_DIM);
  axis[3] = 2;
  await input.setInputFiles({ name: 'boundary.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy({ data: axis, shape: [1, W_DIM] })) });
  const boundary = page.getByRole('slider', { name: 'boundary', exact: true });
  await boundary.fill('6');
  const id = await page.locator('li.direction').first().getAttribute('data-direction-id');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, edits: [edit(id!, 6)] })));
  expect(pixelDiff(plain, (await studio.pixels()).data).mean).toBeGreaterThan(2);

  // Two directions at 45°: a = (e0 + e1)/√2, b = e0. a made orthogonal to b is e1.
  const pair = new Float32Array(2 * W_DIM);
  pair[0] = 1;
  pair[1] = 1;
  pair[W_DIM] = 1;
  await input.setInputFiles({ name: 'pair.npz', mimeType: 'application/zip', buffer: Buffer.from(writeNpz({ set: { data: pair, shape: [2, W_DIM] } })) });
  await expect(page.getByRole('slider', { name: 'pair 2', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Options of pair 1', exact: true }).click();
  await page.getByRole('button', { name: 'Make pair 1 orthogonal to other directions' }).click();
  await page.getByRole('checkbox', { name: 'pair 2' }).check();
  await page.getByTestId('direction-orthogonal-apply').click();
  await expect(page.getByRole('slider', { name: 'pair 1 ⊥ pair 2', exact: true })).toBeVisible();
  await expect.poll(async () => (await savedDirections(page, studio.host.token)).length).toBe(4);
  const orthogonal = (await savedDirections(page, studio.host.token)).find((d) => d.name === 'pair 1 ⊥ pair 2')!;
  expect(orthogonal.vector[0]).toBeCloseTo(0, 6);
  expect(orthogonal.vector[1]).toBeCloseTo(1, 6);

  await input.setInputFiles({ name: 'narrow.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy({ data: new Float32Array(63), shape: [1, 63] })) });
  await expect(page.getByTestId('error-banner')).toContainText('Could not import narrow.npy: narrow is shaped (1, 63); this model needs (64,), (1, 64) or (k, 64)');
  await page.getByRole('button', { name: 'Dismiss error' }).click();
  await input.setInputFiles({ name: 'notes.npy', mimeType: 'text/plain', buffer: Buffer.from('not numpy') });
  await expect(page.getByTestId('error-banner')).toContainText('Could not import notes.npy: not a .npy file');
  await expect(page.getByTestId('direction-slider')).toHaveCount(4);
});

test('taught by example: 5 + 5 samples at ±3σ along PC1 give a direction with |cos| ≥ 0.8 to it', async ({ studio }) => {
  const { page } = studio;
  await openClean(studio);
  await computePca(page);
  const pc1 = page.getByRole('slider', { name: 'PC1', exact: true });
  const seedInput = page.getByTestId('seed-input');
  const count = page.getByTestId('direction-teach-count');

  // Different seeds on either side, so the noise of the seeds does not cancel out.
  for (let i = 0; i < 10; i++) {
    const has = i < 5;
    await seedInput.fill(String(i));
    await pc1.fill(has ? '3' : '-3');
    await studio.waitForFrame(stateKey(MODEL, latentState({ seed: i, edits: [edit('pca-1', has ? 3 : -3)] })));
    await page.getByTestId(has ? 'direction-mark-has' : 'direction-mark-lacks').click();
    await expect(count).toContainText(has ? `${i + 1} having · 0 lacking` : `5 having · ${i - 4} lacking`);
  }
  await page.getByTestId('direction-teach-name').fill('pc1-taught');
  await page.getByTestId('direction-teach').click();
  await expect(page.getByRole('slider', { name: 'pc1-taught', exact: true })).toBeVisible();
  await expect(count).toContainText('0 having · 0 lacking');

  await expect.poll(async () => (await savedDirections(page, studio.host.token)).some((d) => d.name === 'pc1-taught')).toBe(true);
  const saved = await savedDirections(page, studio.host.token);
  const taught = saved.find((d) => d.name === 'pc1-taught')!;
  const first = saved.find((d) => d.id === 'pca-1')!;
  const cos = Math.abs(cosine(taught.vector, first.vector));
  console.info(`taught direction vs PC1: |cos| = ${cos.toFixed(4)}`);
  expect(cos).toBeGreaterThanOrEqual(0.8);

  // The seed grid marks samples too.
  await page.getByTestId('direction-teach-grid-open').click();
  await expect(page.locator('[data-testid="direction-grid-cell"][data-ready="true"]')).toHaveCount(8);
  await page.getByTestId('direction-grid-has').nth(2).click();
  await page.getByTestId('direction-grid-lacks').nth(3).click();
  await expect(count).toContainText('1 having · 1 lacking');
});

test('directions are kept with the model: rename, delete, reorder, export survive a reload', async ({ studio }) => {
  const { page } = studio;
  await openClean(studio);
  await computePca(page);

  await page.getByRole('button', { name: 'Options of PC2', exact: true }).click();
  await page.getByRole('button', { name: 'Rename PC2', exact: true }).click();
  await page.getByRole('textbox', { name: 'New name for PC2' }).fill('smile');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Options of PC3', exact: true }).click();
  await page.getByRole('button', { name: 'Delete PC3', exact: true }).click();
  await page.getByRole('button', { name: 'Options of PC4', exact: true }).click();
  await page.getByRole('button', { name: 'Move PC4 up', exact: true }).click();
  const labels = () => page.getByTestId('direction-slider').evaluateAll((els) => els.slice(0, 4).map((e) => e.getAttribute('aria-label')));
  await expect.poll(labels).toEqual(['PC1', 'PC4', 'smile', 'PC5']);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export PC4 as .npy' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('PC4.npy');
  const exported = parseNpy(new Uint8Array(await readFile((await file.path())!)));
  expect(exported.shape).toEqual([1, W_DIM]);
  expect(Math.hypot(...exported.data)).toBeCloseTo(1, 5);

  await expect.poll(async () => (await savedDirections(page, studio.host.token)).slice(0, 4).map((d) => d.name)).toEqual(['PC1', 'PC4', 'smile', 'PC5']);
  expect(await savedDirections(page, studio.host.token)).toHaveLength(19);
  await page.reload();
  await expect(page.getByTestId('direction-slider')).toHaveCount(19);
  expect(await labels()).toEqual(['PC1', 'PC4', 'smile', 'PC5']);
});
