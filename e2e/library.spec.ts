/**
 * The user library in the browser host: a package dropped on the window is imported and opens;
 * a single .onnx asks for its settings and then renders; imported models are renamed and deleted
 * (to the trash), and the library is the same after a reload.
 */
import { test, expect } from './fixtures';
import { chooseFiles, corpusFile, dropFiles, libraryIds } from './library-helpers';
import { fixtureZip, plainGenerator } from './model-corpus';
import { latentState, stateKey } from '../app/state/latent-state';

test.skip(({ backend }) => backend === 'webgpu', 'library management does not depend on the GPU; the WASM project covers it');

test('imports a dropped .zip package, opens it, renames it and deletes it to the trash', async ({ studio }) => {
  const { page } = studio;
  await studio.open();
  const before = await libraryIds(page);
  const zip = fixtureZip({ folder: 'dropped', edit: (m) => ((m.id = 'dropped-tiny'), (m.name = 'Dropped tiny')) });
  await dropFiles(page, [{ name: 'dropped.zip', bytes: zip }]);

  await studio.waitForFrame(stateKey('dropped-tiny', latentState({ seed: 0, mix: [] })));
  await expect(page.getByTestId('model-select')).toHaveValue('dropped-tiny');
  // Sorted: the list's order depends on what else the shared host imported earlier (other specs).
  expect((await libraryIds(page)).sort()).toEqual([...before, 'dropped-tiny'].sort());
  const item = page.locator('[data-testid="library-item"][data-model-id="dropped-tiny"]');
  await expect(item).toContainText('imported');
  // The browser host cannot open folders on the user's computer, so it does not offer to.
  await expect(item.getByTestId('library-reveal')).toHaveCount(0);

  await item.getByTestId('library-rename').click();
  await item.getByTestId('library-rename-input').fill('My tiny GAN');
  await item.getByTestId('library-rename-input').press('Enter');
  await expect(page.getByTestId('model-select').locator('option[value="dropped-tiny"]')).toHaveText('My tiny GAN');

  await page.reload();
  await expect(page.getByTestId('model-select').locator('option[value="dropped-tiny"]')).toHaveText('My tiny GAN');
  const again = page.locator('[data-testid="library-item"][data-model-id="dropped-tiny"]');
  await libraryIds(page);
  await again.getByTestId('library-delete').click();
  await again.getByTestId('library-delete-confirm').click();
  await expect(again).toHaveCount(0);
  expect(await libraryIds(page)).toEqual(before);
});

test('asks for the settings of a single .onnx, then renders it; Cancel imports nothing', async ({ studio }, testInfo) => {
  const { page } = studio;
  await studio.open();
  const before = await libraryIds(page);
  const file = corpusFile(testInfo.outputDir, 'dcgan.onnx', plainGenerator({ zDim: 12, resolution: 8, inputRank: 4, inputName: 'input.1', outputName: 'output' }));

  await chooseFiles(page, 'import-model', file);
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('input “input.1”');
  await expect(page.getByTestId('import-zdim')).toHaveValue('12');
  await expect(page.getByTestId('import-zdim')).toBeDisabled();
  await page.getByTestId('import-cancel').click();
  await expect(dialog).toHaveCount(0);
  expect(await libraryIds(page)).toEqual(before);

  await chooseFiles(page, 'import-model', file);
  await page.getByTestId('import-name').fill('Little DCGAN');
  await page.getByTestId('import-range').selectOption('tanh');
  await page.getByTestId('import-confirm').click();
  await studio.waitForFrame(stateKey('little-dcgan', latentState({ seed: 0, mix: [] })));
  const picture = await studio.pixels();
  expect(picture.width).toBe(8);
  // A z → tanh → image generator with random weights: many distinct colours, not a flat fill.
  expect(new Set(picture.data.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(10);
  await page.getByTestId('seed-input').fill('4');
  await studio.waitForFrame(stateKey('little-dcgan', latentState({ seed: 4, mix: [] })));
  expect((await libraryIds(page)).sort()).toEqual([...before, 'little-dcgan'].sort());
});
