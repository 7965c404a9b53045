/**
 * The bad-input corpus: files an artist might throw at the studio by mistake or a hostile page
 * might craft. Each is built here (nothing committed), handed over through the real file chooser,
 * and must give a visible error (role="alert") that says what is wrong and what to do, leave the
 * library exactly as it was, and leave the studio rendering.
 */
import { test, expect } from './fixtures';
import { chooseFiles, corpusFile, libraryIds } from './library-helpers';
import { fixtureZip, plainGenerator, zipWithNames, fixtureFiles } from './model-corpus';
import { latentState, stateKey } from '../app/state/latent-state';
import { CURRENT_PROJECT_FORMAT } from '../app/project/schema';

const MODEL = 'fixture-stylegan-tiny';

test.skip(({ backend }) => backend === 'webgpu', 'input checks happen before any GPU work; the WASM project covers them');

/** One file of the corpus, how it is handed over, and what the error must say. */
interface BadInput {
  what: string;
  file: string;
  bytes: () => Uint8Array | string;
  via: 'import-model' | 'project-open';
  /** What is wrong, and what to do, as the banner must say them. */
  says: RegExp[];
}

const whole = plainGenerator({ zDim: 16, resolution: 8 });

const CORPUS: BadInput[] = [
  {
    what: 'a truncated ONNX',
    file: 'truncated.onnx',
    bytes: () => whole.subarray(0, Math.floor(whole.length * 0.6)),
    via: 'import-model',
    says: [/truncated\.onnx is not a readable ONNX model/, /copy the file again if it was cut short/],
  },
  {
    what: 'an ONNX with the wrong shapes',
    file: 'wrong-shapes.onnx',
    bytes: () => plainGenerator({ wrongInputShape: true }),
    via: 'import-model',
    says: [/takes input "z" as float32 \[N, 8, 8\]/, /a z → image generator takes one float32 input z \[N, z_dim\]/],
  },
  {
    what: 'random bytes named .onnx',
    file: 'random.onnx',
    bytes: () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
    via: 'import-model',
    says: [/random\.onnx is not a readable ONNX model/, /re-export the graph/],
  },
  {
    what: 'a manifest that lies about the dims',
    file: 'liar.zip',
    bytes: () =>
      fixtureZip({
        folder: 'liar',
        edit: (m) => {
          m.id = 'liar';
          m.z_dim = 128;
        },
      }),
    via: 'import-model',
    says: [/graph "mapping" \(mapping\.onnx\) input "z" is \[.*, 64\], but the manifest expects \[batch, 128\]/, /Fix the manifest or re-export the graphs/],
  },
  {
    what: 'a project file from a future version',
    file: 'future.latent.json',
    bytes: () => JSON.stringify({ kind: 'latent-studio-project', format: CURRENT_PROJECT_FORMAT + 1, model: { id: MODEL } }),
    via: 'project-open',
    says: [/future\.latent\.json was saved by a newer Latent Studio \(project format 2; this studio reads format 1\)/, /update Latent Studio to open it/],
  },
  {
    what: 'a zip with ../ paths',
    file: 'slip.zip',
    bytes: () => zipWithNames({ ...fixtureFiles(), '../../evil.txt': 'overwritten' }),
    via: 'import-model',
    says: [/slip\.zip was refused: its entry "\.\.\/\.\.\/evil\.txt" climbs out of the package/, /re-create the zip from the model folder/],
  },
  {
    what: 'an empty file',
    file: 'empty.zip',
    bytes: () => new Uint8Array(0),
    via: 'import-model',
    says: [/empty\.zip is empty \(0 bytes\)/, /copy it again/],
  },
];

for (const bad of CORPUS) {
  test(`refuses ${bad.what} visibly and leaves the library unchanged`, async ({ studio }, testInfo) => {
    const { page } = studio;
    studio.expectConsoleErrors(/Failed to load resource: the server responded with a status of 400/);
    await studio.open(MODEL);
    await studio.waitForFrame(stateKey(MODEL, latentState({})));
    const before = await libraryIds(page);

    await chooseFiles(page, bad.via, corpusFile(testInfo.outputDir, bad.file, bad.bytes()));
    const banner = page.getByRole('alert');
    await expect(banner).toHaveAttribute('data-testid', 'error-banner');
    for (const says of bad.says) await expect(banner).toContainText(says);
    testInfo.annotations.push({ type: 'banner', description: (await banner.textContent()) ?? '' });

    expect(await libraryIds(page)).toEqual(before);
    await expect(page.getByTestId('import-dialog')).toHaveCount(0);
    // Still usable: the same model renders a new seed.
    await page.getByTestId('seed-input').fill('7');
    await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 7 })));
  });
}

test('a model that produces NaN says so, naming it, and the studio goes on with another model', async ({ studio }, testInfo) => {
  const { page } = studio;
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({})));
  await chooseFiles(page, 'import-model', corpusFile(testInfo.outputDir, 'nan.onnx', plainGenerator({ nan: true })));
  await page.getByTestId('import-name').fill('Broken GAN');
  await page.getByTestId('import-confirm').click();
  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText(/model "Broken GAN" produced NaN or infinite values \(48 of 48 in its output\)/);
  await expect(banner).toContainText(/re-export the model, or choose another one/);
  expect(await libraryIds(page)).toContain('broken-gan');

  await page.getByTestId('model-select').selectOption(MODEL);
  await page.getByTestId('seed-input').fill('3');
  await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 3 })));
});
