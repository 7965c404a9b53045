/**
 * Work that is never lost: save and open the whole studio state (including through the recent
 * list and from a file), undo and redo more than 100 steps from the keyboard, and restore the
 * autosave after the renderer crashes.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test, expect, startHost, StudioPage, ROOT } from './fixtures';
import { chooseFiles, corpusFile } from './library-helpers';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models/fixtures/stylegan-tiny/manifest.json'), 'utf8')) as {
  files: Record<string, { sha256: string }>;
};

test.skip(({ backend }) => backend === 'webgpu', 'projects and undo do not depend on the GPU; the WASM project covers them');

/** Mixed rows, an edited seed and ψ, two keyframes: a state with something in every part. */
async function makeWork(studio: StudioPage): Promise<string> {
  const { page } = studio;
  await page.getByTestId('seed-input').fill('21');
  await page.getByTestId('psi-slider').fill('0.6');
  await page.getByTestId('mix-row').nth(0).check();
  await page.getByTestId('keyframe-add').click();
  await page.getByTestId('seed-input').fill('22');
  await page.getByTestId('keyframe-add').click();
  const key = stateKey(MODEL, latentState({ seed: 22, psi: 0.6, mix: [{ seed: 1, rows: [0] }] }));
  await studio.waitForFrame(key);
  return key;
}

test('saves the whole state and opens it again from the recent list', async ({ studio }) => {
  const { page } = studio;
  await studio.open(MODEL);
  const key = await makeWork(studio);
  await page.getByTestId('project-save').click();
  await expect(page.getByTestId('project-name')).toHaveAttribute('title', /projects[/\\]Untitled\.latent\.json$/);

  await page.getByTestId('seed-input').fill('99');
  await page.getByTestId('keyframe-add').click();
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 99, psi: 0.6, mix: [{ seed: 1, rows: [0] }] })));
  await expect(page.getByTestId('keyframe')).toHaveCount(3);

  await page.getByTestId('project-menu').click();
  await page.getByTestId('recent-project').first().click();
  await studio.waitForFrame(key);
  await expect(page.getByTestId('keyframe')).toHaveCount(2);
  await expect(page.getByTestId('seed-input')).toHaveValue('22');
});

test('opens a project file chosen from disk, and refuses one whose model is missing', async ({ studio }, testInfo) => {
  const { page } = studio;
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({})));
  const state = latentState({ seed: 5, psi: 0.8, cutoff: 4 });
  const project = {
    kind: 'latent-studio-project',
    format: 1,
    savedAt: '2025-01-01T00:00:00.000Z',
    model: { id: MODEL, name: 'Tiny', graphs: { 'mapping.onnx': manifest.files['mapping.onnx']!.sha256, 'synthesis.onnx': manifest.files['synthesis.onnx']!.sha256 } },
    latent: state,
    timeline: { keyframes: [{ id: 'k1', state, duration: 1, easing: 'linear' }], fps: 12, interpolation: 'w-linear', loop: 'none' },
    directions: [],
    map: null,
  };
  await chooseFiles(page, 'project-open', corpusFile(testInfo.outputDir, 'piece.latent.json', JSON.stringify(project)));
  await studio.waitForFrame(stateKey(MODEL, state));
  await expect(page.getByTestId('project-name')).toHaveText('piece');
  await expect(page.getByTestId('timeline-fps')).toHaveValue('12');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);

  const elsewhere = { ...project, model: { id: 'someone-elses-gan', name: 'Their GAN', graphs: { 'g.onnx': 'f'.repeat(64) } } };
  await chooseFiles(page, 'project-open', corpusFile(testInfo.outputDir, 'theirs.latent.json', JSON.stringify(elsewhere)));
  await expect(page.getByTestId('error-banner')).toContainText(/uses the model "Their GAN" \(someone-elses-gan\), which is not in your library; import that model/);
  await expect(page.getByTestId('project-name')).toHaveText('piece');
});

test('undoes and redoes more than 100 steps from the keyboard', async ({ studio }) => {
  const { page } = studio;
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({})));
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  const seedInput = page.getByTestId('seed-input');
  const seeds: string[] = [];
  for (let i = 0; i < 105; i++) {
    const previous = await seedInput.inputValue();
    await page.keyboard.press('r'); // the "Random seed" command: one step per press
    await expect(seedInput).not.toHaveValue(previous);
    seeds.push(await seedInput.inputValue());
  }
  for (let i = 0; i < 100; i++) await page.keyboard.press('Control+z');
  await expect(seedInput).toHaveValue(seeds[4]!);
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: Number(seeds[4]) })));
  for (let i = 0; i < 50; i++) await page.keyboard.press('Control+Shift+Z');
  for (let i = 0; i < 50; i++) await page.keyboard.press('Control+y');
  await expect(seedInput).toHaveValue(seeds[104]!);
  await expect(page.getByTestId('redo')).toBeDisabled();
  await page.getByTestId('undo').click();
  await expect(seedInput).toHaveValue(seeds[103]!);
});

test('offers the autosave after the renderer crashes, and restores it', async ({ page, browser, backend }, testInfo) => {
  // A host of its own: the autosave and the crash must not reach other tests' sessions.
  const dataDir = testInfo.outputPath('data');
  const host = await startHost({ LATENT_STUDIO_DATA_DIR: dataDir });
  try {
    const studio = new StudioPage(page, host, backend);
    await studio.open(MODEL);
    const key = await makeWork(studio);
    await page.evaluate(() => window.__latentStudioTest!.autosaveNow!());
    const cdp = await page.context().newCDPSession(page);
    const crashed = page.waitForEvent('crash');
    // The renderer dies mid-call, so the call itself never answers: wait for the crash instead.
    void cdp.send('Page.crash').catch(() => undefined);
    await crashed;

    const again = new StudioPage(await (await browser.newContext()).newPage(), host, backend);
    await again.open(MODEL);
    const notice = again.page.getByTestId('recovery-notice');
    await expect(notice).toContainText('Latent Studio did not close normally last time');
    await again.page.getByTestId('recovery-restore').click();
    await again.waitForFrame(key);
    await expect(again.page.getByTestId('keyframe')).toHaveCount(2);
    await expect(notice).toHaveCount(0);
  } finally {
    host.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
