/**
 * The class picker on the bundled conditional model (issue 3 item 6): `class-select` names the
 * manifest's classes, another class changes the picture, and `class-blend` mixes two classes —
 * different from both ends in between, equal to each end at 0 and 1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pixelDiff } from './reference';
import { test, expect, ROOT } from './fixtures';
import { latentState, stateKey, type ClassWeight } from '../app/state/latent-state';

const MODEL = 'emoji-biggan';
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', MODEL, 'manifest.json'), 'utf8')) as { class_names: string[] };

test('class-select lists the manifest classes; another class and a blend change the picture', async ({ studio, backend }) => {
  test.skip(backend !== 'wasm', 'UI flow: one backend suffices (the WebGPU project checks rendering)');
  const { page } = studio;
  await studio.open(MODEL);
  const frame = (classes: ClassWeight[]) => studio.waitForFrame(stateKey(MODEL, latentState({ classes })));

  const select = page.getByTestId('class-select');
  await expect(select).toBeVisible();
  expect(manifest.class_names.length).toBeGreaterThan(2);
  await expect(select.locator('option')).toHaveText(manifest.class_names);

  // Two classes far apart in the list (first and last), one-hot each.
  const a = 0;
  const b = manifest.class_names.length - 1;
  // B first: A is the class the model opens on, and choosing it again would change nothing.
  await select.selectOption({ label: manifest.class_names[b]! });
  await frame([{ index: b, weight: 1 }]);
  const pictureB = await studio.pixels();
  await select.selectOption({ label: manifest.class_names[a]! });
  await frame([{ index: a, weight: 1 }]);
  const pictureA = await studio.pixels();
  expect(pixelDiff(pictureA.data, pictureB.data).mean, 'another class gives another picture').toBeGreaterThan(2);

  // Blend A towards B: the target class must stick while the blend is still 0.
  await page.getByTestId('class-select-b').selectOption({ label: manifest.class_names[b]! });
  await expect(page.getByTestId('class-select-b')).toHaveValue(String(b));
  const blend = page.getByTestId('class-blend');
  await blend.fill('0.5');
  await frame([
    { index: a, weight: 0.5 },
    { index: b, weight: 0.5 },
  ]);
  const middle = await studio.pixels();
  expect(pixelDiff(middle.data, pictureA.data).mean, 'the blend differs from class A').toBeGreaterThan(1);
  expect(pixelDiff(middle.data, pictureB.data).mean, 'the blend differs from class B').toBeGreaterThan(1);

  await blend.fill('1');
  await frame([
    { index: a, weight: 0 },
    { index: b, weight: 1 },
  ]);
  expect(pixelDiff((await studio.pixels()).data, pictureB.data).max, 'blend 1 is class B').toBeLessThanOrEqual(1);

  await blend.fill('0');
  await frame([{ index: a, weight: 1 }]);
  expect(pixelDiff((await studio.pixels()).data, pictureA.data).max, 'blend 0 is class A').toBeLessThanOrEqual(1);
  // The target survives a blend of 0, so the next drag blends towards it again.
  await expect(page.getByTestId('class-select-b')).toHaveValue(String(b));
});
