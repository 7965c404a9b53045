/** Style mixing in the browser: a coarse source changes the picture live; the grid fills N×M cells. */
import { test, expect } from './fixtures';
import { latentState, stateKey } from '../app/pipeline/state';

const MODEL = 'fixture-stylegan-tiny';

function meanAbsDiff(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test('a coarse source changes the picture, and the swap exchanges main and source', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'UI flow: one backend suffices (the WebGPU project checks rendering)');
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
  expect(meanAbsDiff(plain.data, mixed.data)).toBeGreaterThan(2);

  // One more row by hand, then swap main and source.
  await rows.nth(6).check();
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 0, mix: [{ seed: 7, rows: [0, 1, 2, 3, 6] }] })));
  await page.getByTestId('mix-swap').first().click();
  await expect(page.getByTestId('seed-input')).toHaveValue('7');
  await expect(page.getByTestId('mix-source-seed').first()).toHaveValue('0');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 7, mix: [{ seed: 0, rows: [0, 1, 2, 3, 6] }] })));
});

test('the mixing grid renders N×M non-blank cells and a click loads that mix', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'UI flow: one backend suffices (the WebGPU project checks rendering)');
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

  // Row j = 1 (seed B 11), column i = 2 (seed A 3): the studio opens seed 3 with 11's coarse rows.
  await grid.locator('[data-cell="c1-2"]').click();
  await expect(grid).toBeHidden();
  await expect(page.getByTestId('seed-input')).toHaveValue('3');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 3, mix: [{ seed: 11, rows: [0, 1, 2, 3] }] })));
});
