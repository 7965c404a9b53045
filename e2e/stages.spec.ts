/**
 * Image-to-image stages in the browser host: the bundled 4× super-resolution stage added to the
 * export chain turns the 64 px emoji StyleGAN's PNG into a 256 px one that is not a
 * nearest-neighbour copy of the plain export, the shown export size follows the chain, and
 * removing the stage brings the native size back.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, ROOT } from './fixtures';
import { readExportedPng, testWithHost } from './exports';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'emoji-stylegan';
const STAGE = 'emoji-sr4x';
const exportDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-stage-exports-'));
const modelsDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-stage-models-'));
for (const id of [MODEL, STAGE]) cpSync(path.join(ROOT, 'models', id), path.join(modelsDir, id), { recursive: true });

const test = testWithHost({ LATENT_STUDIO_EXPORT_DIR: exportDir, LATENT_STUDIO_MODELS_DIR: modelsDir });

test.afterAll(() => {
  for (const dir of [exportDir, modelsDir]) rmSync(dir, { recursive: true, force: true });
});

/** The file name out of the export status line ("Saved <name> in <folder>"). */
function savedName(status: string): string {
  const match = /^Saved (.+\.png) in /.exec(status);
  if (!match) throw new Error(`not a save message: ${status}`);
  return match[1]!;
}

test('a PNG through the 4× stage is 256 px and not a nearest-neighbour copy', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow: one backend suffices (the stage runs on the same runtime as the generator)');
  const { page } = studio;
  await studio.open(MODEL);
  await page.getByTestId('seed-input').fill('5');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 5 })));

  const status = page.getByTestId('export-status');
  await page.getByTestId('export-png').click();
  await expect(status).toHaveText(/^Saved .+\.png in /);
  const plain = readExportedPng(exportDir, savedName((await status.textContent())!)).image;
  expect([plain.width, plain.height]).toEqual([64, 64]);

  await page.getByTestId('export-menu').click();
  await expect(page.getByTestId('export-size')).toHaveText('64 px (no stages)');
  await page.getByTestId('post-add').selectOption(STAGE);
  await expect(page.getByTestId('post-stage')).toHaveCount(1);
  await expect(page.getByTestId('post-stage')).toContainText('4×');
  await expect(page.getByTestId('export-size')).toHaveText('64 → 256 px');

  await page.getByTestId('export-png').click();
  await expect(status).toHaveText(/^Saved .+ \(2\)\.png in /);
  const staged = readExportedPng(exportDir, savedName((await status.textContent())!)).image;
  expect([staged.width, staged.height]).toEqual([256, 256]);

  // Against the plain export blown up 4× by nearest neighbour: close in colour (the same picture),
  // but far from identical (the stage made new detail rather than copying pixels).
  let differing = 0;
  let total = 0;
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) {
      for (let k = 0; k < 3; k++) {
        const near = plain.data[((y >> 2) * 64 + (x >> 2)) * 3 + k]!;
        const d = Math.abs(staged.data[(y * 256 + x) * 3 + k]! - near);
        total += d;
        if (d > 8) differing++;
      }
    }
  }
  const meanDiff = total / (256 * 256 * 3);
  expect(differing / (256 * 256 * 3)).toBeGreaterThan(0.05);
  expect(meanDiff).toBeGreaterThan(2);
  expect(meanDiff).toBeLessThan(30);

  await page.getByRole('button', { name: /Remove stage 1/ }).click();
  await expect(page.getByTestId('post-stage')).toHaveCount(0);
  await expect(page.getByTestId('export-size')).toHaveText('64 px (no stages)');
});
