/**
 * Importing a large model in the browser host: the progress bar follows the upload and the copy,
 * Cancel stops it with no error and leaves the library (list, index, model folders, staging) as it
 * was, and the same package imports completely when left alone.
 *
 * Test-only pacing: the host runs with LATENT_STUDIO_TEST_IMPORT_BYTES_PER_SECOND (import-jobs.ts),
 * which slows every import to 2 MB/s, so an 8 MB package takes seconds instead of hundreds of MB
 * being generated to be slow enough to watch and cancel on a fast disk.
 */
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as studioTest, expect, startHost, type HostProcess } from './fixtures';
import { chooseFiles, corpusFile, libraryIds } from './library-helpers';
import { paddedPackageZip } from './large-package';
import { fixtureFiles } from './model-corpus';
import { TEST_THROTTLE_ENV } from '../main/services/import-jobs';

const BYTES_PER_SECOND = 2_000_000;
const PADDING = 8_000_000;

const test = studioTest.extend<object, { host: HostProcess; dataDir: string }>({
  dataDir: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'latent-studio-e2e-import-'));
      await use(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  host: [
    async ({ dataDir }, use) => {
      const host = await startHost({ LATENT_STUDIO_DATA_DIR: dataDir, [TEST_THROTTLE_ENV]: String(BYTES_PER_SECOND) });
      await use(host);
      host.child.kill('SIGTERM');
    },
    { scope: 'worker' },
  ],
});

test.skip(({ backend }) => backend === 'webgpu', 'importing does not depend on the GPU; the WASM project covers it');

/** Megabytes as the progress text writes them. */
const mb = (bytes: number) => (bytes / 1e6).toFixed(1).replace('.', '\\.');

/** What the copy counts up to: the padding plus every file the fixture's manifest lists. */
function copyTotal(): number {
  const manifest = JSON.parse(new TextDecoder().decode(fixtureFiles()['manifest.json'])) as { files: Record<string, { bytes: number }> };
  return PADDING + Object.values(manifest.files).reduce((n, f) => n + f.bytes, 0);
}

/** The host's side of the library: model folders, the index's bytes, and what is left in staging. */
function onDisk(dataDir: string): { models: string[]; index: string | null; staging: string[] } {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
  const index = path.join(dataDir, 'library.json');
  return { models: list(path.join(dataDir, 'models')), index: existsSync(index) ? readFileSync(index, 'utf8') : null, staging: list(path.join(dataDir, 'staging')) };
}

test('Cancel stops a large import mid-upload: no error, library unchanged', async ({ studio, dataDir }, testInfo) => {
  const { page } = studio;
  await studio.open();
  const before = await libraryIds(page);
  const diskBefore = onDisk(dataDir);
  const zip = paddedPackageZip({ id: 'big-model', name: 'Big model', paddingBytes: PADDING });
  const file = corpusFile(testInfo.outputDir, 'big-model.zip', zip);

  await chooseFiles(page, 'import-model', file);
  const bar = page.getByRole('progressbar', { name: 'Import of big-model.zip' });
  await expect(bar).toHaveAttribute('data-testid', 'import-progress');
  await expect(bar).toHaveAttribute('data-phase', 'receiving');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(100);
  await expect(bar).toHaveAttribute('aria-valuetext', new RegExp(`^Uploading [\\d.]+ of ${mb(zip.length)} MB$`));

  await page.getByTestId('import-cancel').click();
  await expect(page.getByTestId('import-progress')).toHaveCount(0);
  await expect(page.getByTestId('import-notice')).toHaveText(/Import of big-model\.zip cancelled: your library was not changed/);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(await libraryIds(page)).toEqual(before);
  // The host removes what it had received as the upload ends.
  await expect.poll(() => onDisk(dataDir)).toEqual({ ...diskBefore, staging: [] });
});

test('a large import left alone reports the upload, then the copy, and lands in the library', async ({ studio, dataDir }, testInfo) => {
  const { page } = studio;
  await studio.open();
  const before = await libraryIds(page);
  const file = corpusFile(testInfo.outputDir, 'big-kept.zip', paddedPackageZip({ id: 'big-kept', name: 'Big kept', paddingBytes: PADDING }));

  await chooseFiles(page, 'import-model', file);
  const bar = page.getByTestId('import-progress');
  await expect(bar).toHaveAttribute('data-phase', 'receiving');
  await expect(bar).toHaveAttribute('data-phase', 'copying');
  await expect(bar).toHaveAttribute('aria-valuetext', new RegExp(`^Checking and copying [\\d.]+ of ${mb(copyTotal())} MB$`));
  await expect(bar).toHaveCount(0);
  await expect(page.getByTestId('model-select')).toHaveValue('big-kept');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect((await libraryIds(page)).sort()).toEqual([...before, 'big-kept'].sort());
  expect(onDisk(dataDir).models).toContain('big-kept');
});
