/**
 * Issue 19's promise in the browser host: a user without Python drops an NVIDIA .pkl, or a zip of a
 * HuggingFace BigGAN folder, on the window, and the studio converts it itself, lists it and shows
 * its picture. The checkpoints are the project's random-weight networks in the official formats,
 * written by test-support/checkpoint_fixtures.py.
 */
import { zipSync } from 'fflate';
import { test, expect } from './fixtures';
import { dropFiles, libraryIds } from './library-helpers';
import { pythonMissing } from '../test-support/python';
import { writeCheckpointFixtures, type CheckpointFixtures } from '../test-support/checkpoints';

test.skip(({ backend }) => backend === 'webgpu', 'the conversion happens in the host; the WASM project covers it');
test.skip(() => pythonMissing('torch', 'numpy') !== '', 'the checkpoints are written by PyTorch at test time');

let fixtures: CheckpointFixtures;
test.beforeAll(() => {
  fixtures = writeCheckpointFixtures();
});
test.afterAll(() => fixtures?.remove());

/** Wait for a frame of `id` and check it is a picture, not a flat fill. */
async function seesPicture(studio: { page: import('@playwright/test').Page; pixels(): Promise<{ data: number[] }> }, id: string): Promise<void> {
  await expect(studio.page.getByTestId('model-select')).toHaveValue(id, { timeout: 60_000 });
  await expect(studio.page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', new RegExp(`^${id}\\b`), { timeout: 60_000 });
  const picture = await studio.pixels();
  expect(new Set(picture.data.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(10);
}

test('a dropped NVIDIA .pkl is converted, listed and shows its picture', async ({ studio }) => {
  await studio.open();
  const before = await libraryIds(studio.page);
  await dropFiles(studio.page, [{ name: 'stylegan3-t.pkl', bytes: fixtures.file('stylegan3-t.pkl') }]);
  await seesPicture(studio, 'stylegan3-t');
  expect((await libraryIds(studio.page)).sort()).toEqual([...before, 'stylegan3-t'].sort());
});

test('a dropped zip of a BigGAN folder (config.json + pytorch_model.bin) is converted and shows its picture', async ({ studio }) => {
  await studio.open();
  const zip = zipSync({ 'biggan-tiny': { 'config.json': fixtures.file('biggan-legacy/config.json'), 'pytorch_model.bin': [fixtures.file('biggan-legacy/pytorch_model.bin'), { level: 0 }] } });
  await dropFiles(studio.page, [{ name: 'biggan-tiny.zip', bytes: zip }]);
  await seesPicture(studio, 'biggan-tiny');
});

test('a dropped pickle that calls os.system is refused by name and the library is unchanged', async ({ studio }) => {
  await studio.open();
  // The host answers the refused upload with 400, which the browser logs.
  studio.expectConsoleErrors(/Failed to load resource: the server responded with a status of 400/);
  const before = await libraryIds(studio.page);
  const hostile = new Uint8Array([0x80, 4, ...new TextEncoder().encode('cposix\nsystem\n'), 0x8c, 4, ...new TextEncoder().encode('true'), 0x85, ...new TextEncoder().encode('R.')]);
  await dropFiles(studio.page, [{ name: 'evil.pkl', bytes: hostile }]);
  await expect(studio.page.getByText(/posix\.system/)).toBeVisible({ timeout: 30_000 });
  expect(await libraryIds(studio.page)).toEqual(before);
});
