import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pythonMissing } from '../../test-support/python';
import { writeCheckpointFixtures, type CheckpointFixtures } from '../../test-support/checkpoints';
import { ModelImporter } from './import';
import { ModelLibrary } from './library';
import { refusal } from '../../test-support/import-refusal';

const skip = pythonMissing('torch', 'numpy');
const JOB = 'checkpointjob_0123456789a';

let fixtures: CheckpointFixtures;
let root: string;
let dataDir: string;
let library: ModelLibrary;
let importer: ModelImporter;

/** Everything under the data folder (models, library.json), with staging required empty. */
function libraryState(): { models: string[]; index: string | null; staging: string[] } {
  const models = existsSync(path.join(dataDir, 'models')) ? readdirSync(path.join(dataDir, 'models')).sort() : [];
  const indexFile = path.join(dataDir, 'library.json');
  const staging = existsSync(path.join(dataDir, 'staging')) ? readdirSync(path.join(dataDir, 'staging')) : [];
  return { models, index: existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : null, staging };
}

describe.skipIf(skip)('importing checkpoints (.pkl, BigGAN folders) into the library', () => {
  beforeAll(() => {
    fixtures = writeCheckpointFixtures();
  }, 120_000);
  afterAll(() => fixtures?.remove());
  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'latent-checkpoint-import-'));
    dataDir = path.join(root, 'data');
    library = new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir });
    await library.scan();
    importer = new ModelImporter(library, dataDir);
    return () => rmSync(root, { recursive: true, force: true });
  });

  it('converts an NVIDIA .pkl and lists it, its manifest recording the source file sha256', async () => {
    const file = path.join(fixtures.dir, 'stylegan3-t.pkl');
    const result = await importer.importPath(file);
    expect(result.status).toBe('imported');
    if (result.status !== 'imported') return;
    expect(result.model).toMatchObject({ id: 'stylegan3-t', source: 'library', family: 'stylegan' });
    const sourceFile = (result.model.manifest.generator as { source_file: { name: string; sha256: string } }).source_file;
    expect(sourceFile).toMatchObject({ name: 'stylegan3-t.pkl', sha256: createHash('sha256').update(readFileSync(file)).digest('hex') });
    const index = JSON.parse(readFileSync(path.join(dataDir, 'library.json'), 'utf8'));
    expect(index.models['stylegan3-t'].origin).toBe('stylegan3-t.pkl');
    const stored = JSON.parse(readFileSync(path.join(dataDir, 'models', 'stylegan3-t', 'manifest.json'), 'utf8'));
    expect(stored.generator.source_file.sha256).toBe(sourceFile.sha256);
    expect(libraryState().staging).toEqual([]);
  });

  it('converts a BigGAN folder (config.json + pytorch_model.bin) given as a folder', async () => {
    const result = await importer.importPath(path.join(fixtures.dir, 'biggan-legacy'));
    expect(result.status).toBe('imported');
    if (result.status === 'imported') expect(result.model).toMatchObject({ id: 'biggan-legacy', family: 'conditional' });
  });

  it('an uploaded .pkl (the browser host) is converted too', async () => {
    const bytes = fixtures.file('stylegan2-ada.pkl');
    const result = await importer.importUpload('ffhq.pkl', (async function* () { yield bytes; })(), bytes.length);
    expect(result.status).toBe('imported');
    if (result.status === 'imported') expect(result.model.id).toBe('ffhq');
  });

  it('a refused pickle (it calls os.system) leaves the library unchanged, naming the global', async () => {
    await importer.importPath(path.join(fixtures.dir, 'stylegan3-r.pkl'));
    const before = libraryState();
    // GLOBAL posix.system, a command, REDUCE: what a hostile "checkpoint" looks like.
    const hostile = path.join(root, 'evil.pkl');
    await fs.writeFile(hostile, Buffer.concat([Buffer.from([0x80, 4]), Buffer.from('cposix\nsystem\n'), Buffer.from([0x8c, 4]), Buffer.from('true'), Buffer.from([0x85]), Buffer.from('R.')]));
    expect(await refusal(importer.importPath(hostile))).toMatch(/evil\.pkl could not be (read|converted).*posix\.system.*it was not run/);
    // A damaged one: the real pickle cut in half.
    const cut = path.join(root, 'cut.pkl');
    const whole = fixtures.file('stylegan3-t.pkl');
    await fs.writeFile(cut, whole.subarray(0, whole.length >> 1));
    expect(await refusal(importer.importPath(cut))).toMatch(/truncated/);
    expect(libraryState()).toEqual({ ...before, staging: [] });
  });

  it('a conversion cancelled midway leaves the library unchanged', async () => {
    const before = libraryState();
    const run = importer.importPath(path.join(fixtures.dir, 'stylegan2-ada.pkl'), JOB);
    for (;;) {
      const progress = importer.progress(JOB);
      if (progress?.phase === 'converting' && progress.done > 0) {
        expect(importer.abort(JOB)).toBe(true);
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect(run).rejects.toThrow(/cancelled/);
    expect(libraryState()).toEqual({ ...before, staging: [] });
  });
});
