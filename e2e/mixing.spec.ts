/**
 * Style mixing in the browser: a coarse source changes the picture live; a kept latent (keyframe)
 * serves as a source; the grid fills N×M cells, exports as one PNG whose record lists every cell,
 * and that PNG dropped back opens the grid on its layout.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from './fixtures';
import { dropPng, readExportedPng, testWithHost } from './exports';
import { pixelDiff } from './reference';
import { latentState, stateKey } from '../app/state/latent-state';
import { readStudioRecord } from '../app/records/mix-grid-provenance';

const MODEL = 'fixture-stylegan-tiny';
const exportDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-mix-exports-'));

// The grid export lands in a temporary export folder given to the host.
const test = testWithHost({ LATENT_STUDIO_EXPORT_DIR: exportDir });

test.afterAll(() => rmSync(exportDir, { recursive: true, force: true }));
test.skip(({ backend }) => backend !== 'wasm', 'UI flow: one backend suffices (the WebGPU project checks rendering)');

test('a coarse source changes the picture, and the swap exchanges main and source', async ({ studio }) => {
  const { page } = studio;
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0 })));
  const plain = await studio.pixels();

  await expect(page.getByTestId('mix-panel')).toBeVisible();
  await page.getByTestId('mix-source-seed').first().fill('7');
  await page.getByTestId('mix-preset-coarse').first().click();
  await expect(page.getByTestId('mix-preset-coarse').first()).toHaveAttribute('aria-pressed', 'true');
  // The fixture is 32 px: coarse = rows 0–3 (4–8 px), so exactly those four boxes are ticked.
  const rows = page.getByTestId('mix-row');
  await expect(rows).toHaveCount(8);
  for (let r = 0; r < 8; r++) await (r < 4 ? expect(rows.nth(r)).toBeChecked() : expect(rows.nth(r)).not.toBeChecked());
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, mix: [{ seed: 7, rows: [0, 1, 2, 3] }] })));
  const mixed = await studio.pixels();
  expect(pixelDiff(plain.data, mixed.data).mean).toBeGreaterThan(2);

  // One more row by hand, then swap main and source.
  await rows.nth(6).check();
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, mix: [{ seed: 7, rows: [0, 1, 2, 3, 6] }] })));
  await page.getByTestId('mix-swap').first().click();
  await expect(page.getByTestId('seed-input')).toHaveValue('7');
  await expect(page.getByTestId('mix-source-seed').first()).toHaveValue('0');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 7, mix: [{ seed: 0, rows: [0, 1, 2, 3, 6] }] })));
});

test('the mixing grid renders N×M non-blank cells and a click loads that mix', async ({ studio }) => {
  const { page } = studio;
  await studio.open(MODEL);
  await page.getByTestId('mix-grid-open').click();
  const grid = page.getByTestId('mix-grid');
  await expect(grid).toBeVisible();
  await grid.getByTestId('mix-grid-seeds-a').fill('1,2,3,4');
  await grid.getByTestId('mix-grid-seeds-b').fill('10-13');
  await grid.getByTestId('mix-grid-render').click();
  const cells = grid.locator('[data-testid="mix-grid-cell"][data-cell^="c"]');
  await expect(cells).toHaveCount(16);
  await expect(grid.locator('[data-testid="mix-grid-cell"][data-ready="true"]')).toHaveCount(4 + 4 + 16);

  const stats = await cells.evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((c) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let min = 255;
      let max = 0;
      for (let i = 0; i < d.length; i += 4) {
        min = Math.min(min, d[i]!, d[i + 1]!, d[i + 2]!);
        max = Math.max(max, d[i]!, d[i + 1]!, d[i + 2]!);
      }
      return { w: c.width, range: max - min };
    }),
  );
  for (const s of stats) {
    expect(s.w).toBe(32);
    expect(s.range, 'a cell is blank').toBeGreaterThan(20);
  }

  // Export: one PNG of 5×5 images of 32 px, 2 px apart (header row and column included).
  await grid.getByTestId('mix-grid-export').click();
  await expect(page.getByTestId('export-status')).toContainText('fixture-stylegan-tiny-mix-grid-coarse-4x4.png');
  expect(readdirSync(exportDir)).toContain('fixture-stylegan-tiny-mix-grid-coarse-4x4.png');
  const { png, image: decoded } = readExportedPng(exportDir, 'fixture-stylegan-tiny-mix-grid-coarse-4x4.png');
  expect([decoded.width, decoded.height]).toEqual([5 * 32 + 4 * 2, 5 * 32 + 4 * 2]);
  const read = readStudioRecord(png);
  if (read.kind !== 'mix-grid') throw new Error(`the grid PNG carries a ${read.kind} record`);
  expect(read.record.grid).toMatchObject({ seeds_a: [1, 2, 3, 4], seeds_b: [10, 11, 12, 13], preset: 'coarse', rows: [0, 1, 2, 3] });
  expect(read.record.cells.filter((c) => c.role === 'mix')).toHaveLength(16);
  expect(read.record.cells).toHaveLength(4 + 4 + 16);
  // The PNG's cell (row 1, column 2) holds exactly what the grid shows there, and its state says so.
  const cell = read.record.cells.find((c) => c.role === 'mix' && c.b === 1 && c.a === 2)!;
  expect(stateKey(MODEL, cell.state)).toBe(stateKey(MODEL, latentState({ seed: 3, mix: [{ seed: 11, rows: [0, 1, 2, 3] }] })));
  const shown = await grid.locator('[data-cell="c1-2"]').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
  let worst = 0;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      for (let ch = 0; ch < 3; ch++) {
        worst = Math.max(worst, Math.abs(decoded.data[((cell.y + y) * decoded.width + cell.x + x) * 3 + ch]! - shown[(y * 32 + x) * 4 + ch]!));
      }
    }
  }
  expect(worst, 'the exported cell differs from the one shown').toBe(0);

  // Row j = 1 (seed B 11), column i = 2 (seed A 3): the studio opens seed 3 with 11's coarse rows.
  await grid.locator('[data-cell="c1-2"]').click();
  await expect(grid).toBeHidden();
  await expect(page.getByTestId('seed-input')).toHaveValue('3');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 3, mix: [{ seed: 11, rows: [0, 1, 2, 3] }] })));

  // The grid PNG dropped back opens the grid on its layout.
  await dropPng(page, png, 'grid.png');
  await expect(grid).toBeVisible();
  await expect(grid.getByTestId('mix-grid-seeds-a')).toHaveValue('1,2,3,4');
  await expect(grid.getByTestId('mix-grid-seeds-b')).toHaveValue('10,11,12,13');
  await expect(grid.locator('[data-testid="mix-grid-cell"][data-ready="true"]')).toHaveCount(4 + 4 + 16);
});

test('a kept latent (keyframe) is a mixing source with its own ψ, and swaps with the main latent', async ({ studio }) => {
  const { page } = studio;
  await studio.open(MODEL);
  // Keep seed 5 at ψ 0.5 as a keyframe, then go back to seed 0 at ψ 1.
  await page.getByTestId('seed-input').fill('5');
  await page.getByTestId('psi-slider').fill('0.5');
  const kept = latentState({ seed: 5, psi: 0.5 });
  await studio.waitForFrame(stateKey(MODEL, kept));
  await page.getByTestId('keyframe-add').click();
  await page.getByTestId('seed-input').fill('0');
  await page.getByTestId('psi-slider').fill('1');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0 })));
  const plain = await studio.pixels();

  await page.getByTestId('mix-source-kind').first().selectOption({ label: 'Keyframe 1 · seed 5' });
  await page.getByTestId('mix-preset-coarse').first().click();
  const mixed = latentState({ seed: 0, mix: [{ seed: 5, rows: [0, 1, 2, 3], kept: { label: 'Keyframe 1', state: kept } }] });
  await studio.waitForFrame(stateKey(MODEL, mixed));
  expect(pixelDiff(plain.data, (await studio.pixels()).data).mean).toBeGreaterThan(2);
  await expect(page.getByTestId('mix-source-seed').first()).toContainText('Keyframe 1 · seed 5 · ψ 0.5');

  // Swap: the main latent becomes the kept one (seed 5, ψ 0.5); the source keeps seed 0 at ψ 1.
  await page.getByTestId('mix-swap').first().click();
  await expect(page.getByTestId('seed-input')).toHaveValue('5');
  const previous = latentState({ seed: 0 });
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 5, psi: 0.5, mix: [{ seed: 0, rows: [0, 1, 2, 3], kept: { label: 'Previous main latent', state: previous } }] })));
});
