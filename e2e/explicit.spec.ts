/**
 * Explicit latents in the browser host: dropping NVIDIA's projector output (a projected_w.npz
 * written by numpy) changes the picture and shows the explicit cue; a PNG exported from it restores
 * the same ws, and the same pixels, when dropped back; a projection of another shape is refused.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, ROOT } from './fixtures';
import { dropPng, readExportedPng, testWithHost } from './exports';
import { dropFiles } from './library-helpers';
import { python, pythonMissing } from '../test-support/python';
import { latentState, stateKey } from '../app/state/latent-state';
import { parseProjectedW, type LatentShapes } from '../app/state/explicit-latent';
import { readProvenance } from '../app/records/provenance';

const MODEL = 'fixture-stylegan-tiny';
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models/fixtures/stylegan-tiny/manifest.json'), 'utf8')) as LatentShapes & { w_avg: number[] };
const exportDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-explicit-'));
const test = testWithHost({ LATENT_STUDIO_EXPORT_DIR: exportDir });
test.afterAll(() => rmSync(exportDir, { recursive: true, force: true }));

/** A projected_w.npz as projector.py saves it: np.savez(path, w=ws), ws [1, rows, 64] float32 near w_avg. */
function projectedW(rows: number): Uint8Array {
  const file = path.join(exportDir, `projected-${rows}.npz`);
  python(
    'import json, sys, numpy as np\nw_avg = np.array(json.loads(sys.argv[2]), np.float32)\nrows = int(sys.argv[3])\nws = w_avg + 0.8 * np.random.RandomState(5).randn(1, rows, w_avg.size)\nnp.savez(sys.argv[1], w=ws.astype(np.float32))',
    file,
    JSON.stringify(manifest.w_avg),
    String(rows),
  );
  const bytes = new Uint8Array(readFileSync(file));
  rmSync(file);
  return bytes;
}

test('a dropped projected_w.npz draws its ws, says so, and survives a PNG round trip', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow: one backend suffices (the WebGPU project checks rendering)');
  test.skip(pythonMissing('numpy') !== '', pythonMissing('numpy'));
  const { page } = studio;
  await studio.open(MODEL);
  const seedKey = stateKey(MODEL, latentState({ seed: 0 }));
  await studio.waitForFrame(seedKey);
  const seedPixels = await studio.pixels();
  await expect(page.getByTestId('explicit-cue')).toHaveCount(0);

  const npz = projectedW(manifest.num_ws);
  const explicit = parseProjectedW(npz, manifest, 'projected_w.npz');
  await dropFiles(page, [{ name: 'projected_w.npz', bytes: npz }]);
  const explicitKey = stateKey(MODEL, latentState({ seed: 0, explicit }));
  await studio.waitForFrame(explicitKey);
  const shown = await studio.pixels();
  expect(shown.data).not.toEqual(seedPixels.data);
  await expect(page.getByTestId('explicit-cue')).toContainText('explicit ws (projected_w.npz)');

  await page.getByTestId('export-png').click();
  await expect(page.getByTestId('export-status')).toHaveText(/^Saved /);
  const name = readdirSync(exportDir).find((f) => f.endsWith('.png'))!;
  const { png, image } = readExportedPng(exportDir, name);
  expect(Array.from(image.data)).toEqual(shown.data.filter((_, i) => i % 4 !== 3));
  expect(readProvenance(png).state.explicit).toEqual(explicit);

  // Back to the seed, then the PNG brings the explicit ws back: same key, same pixels, the cue again.
  await page.getByTestId('explicit-clear').click();
  await studio.waitForFrame(seedKey);
  await expect(page.getByTestId('explicit-cue')).toHaveCount(0);
  await dropPng(page, png, name);
  await studio.waitForFrame(explicitKey);
  expect((await studio.pixels()).data).toEqual(shown.data);
  await expect(page.getByTestId('explicit-cue')).toContainText('explicit ws (projected_w.npz)');

  // A projection made for a model with more ws rows is refused, naming both shapes; the picture stays.
  await dropFiles(page, [{ name: 'ffhq_w.npz', bytes: projectedW(18) }]);
  await expect(page.getByTestId('error-banner')).toContainText('Cannot open ffhq_w.npz: ffhq_w.npz: "w" has shape [1, 18, 64], but model "fixture-stylegan-tiny" takes ws [1, 8, 64]');
  await expect(page.getByTestId('explicit-cue')).toContainText('projected_w.npz');
});
