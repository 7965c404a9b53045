/**
 * Importing into the user library, on real files in a temporary data folder: package folders and
 * zips (zip-slip, sha256, lying manifests, limits), single .onnx generators (detection, settings,
 * the renamed graph running like the original), and the index (atomic, rebuilt when damaged).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureFiles, fixtureZip, FIXTURE_DIR, plainGenerator, zipWithNames, type ManifestJson } from '../../e2e/model-corpus';
import { createPipeline } from '../../app/inference/render';
import { latentState } from '../../app/state/latent-state';
import { seedToZ } from '../../app/latent';
import { openWasmRunner } from '../inference/ort-web-node';
import { IMPORT_LIMITS, ModelImporter, unsafeZipEntry } from './import';
import { LibraryError, ModelLibrary } from './library';
import { refusal } from '../../test-support/import-refusal';

let root: string;
let dataDir: string;
let library: ModelLibrary;
let importer: ModelImporter;

async function setup(limits = IMPORT_LIMITS): Promise<void> {
  library = new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir });
  await library.scan();
  importer = new ModelImporter(library, dataDir, limits);
}

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'latent-import-'));
  dataDir = path.join(root, 'data');
  await setup();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function writeTemp(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(root, 'incoming', name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return file;
}

/** Everything under the data folder except staging (which must be empty or gone after any import). */
function libraryState(): { models: string[]; index: string | null; staging: string[] } {
  const models = existsSync(path.join(dataDir, 'models')) ? readdirSync(path.join(dataDir, 'models')).sort() : [];
  const indexFile = path.join(dataDir, 'library.json');
  const staging = existsSync(path.join(dataDir, 'staging')) ? readdirSync(path.join(dataDir, 'staging')) : [];
  return { models, index: existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : null, staging };
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('package import', () => {
  it('copies a package folder in, verifying and recording every file sha256', async () => {
    const result = await importer.importPath(FIXTURE_DIR);
    expect(result.status).toBe('imported');
    if (result.status !== 'imported') return;
    expect(result.model).toMatchObject({ id: 'fixture-stylegan-tiny', source: 'library', baseUrl: '/models/fixture-stylegan-tiny/' });
    const dir = path.join(dataDir, 'models', 'fixture-stylegan-tiny');
    for (const [name, bytes] of Object.entries(fixtureFiles())) {
      expect(sha(readFileSync(path.join(dir, name)))).toBe(sha(bytes));
    }
    const index = JSON.parse(readFileSync(path.join(dataDir, 'library.json'), 'utf8'));
    expect(index.models['fixture-stylegan-tiny'].files['synthesis.onnx'].sha256).toBe(sha(fixtureFiles()['synthesis.onnx']!));
    expect(library.resolveFile('fixture-stylegan-tiny', 'mapping.onnx')).toBe(path.join(dir, 'mapping.onnx'));
    expect(libraryState().staging).toEqual([]);
  });

  it.each([
    ['at the top level', {}],
    ['inside one folder', { folder: 'my-model' }],
  ])('imports a zipped package %s, and refuses the same id twice', async (_where, options) => {
    const zip = await writeTemp('model.zip', fixtureZip(options));
    const result = await importer.importPath(zip);
    expect(result.status === 'imported' && result.model.id).toBe('fixture-stylegan-tiny');
    const before = libraryState();
    expect(await refusal(importer.importPath(zip))).toMatch(/already has a model with the id "fixture-stylegan-tiny"/);
    expect(libraryState()).toEqual(before);
  });

  it.each([
    ['../evil.txt', /climbs out of the package/],
    ['pkg/../../evil.txt', /climbs out of the package/],
    ['/tmp/evil.txt', /absolute path/],
    ['..\\evil.txt', /backslash/],
    ['C:/evil.txt', /drive letter/],
  ])('refuses a zip with the entry %j and changes nothing', async (entry, reason) => {
    const files = fixtureFiles();
    const zip = await writeTemp('slip.zip', zipWithNames({ ...files, [entry]: 'pwned' }));
    const message = await refusal(importer.importPath(zip));
    expect(message).toMatch(reason);
    expect(message).toMatch(/Nothing was imported/);
    expect(libraryState()).toEqual({ models: [], index: null, staging: [] });
    expect(existsSync(path.join(root, 'evil.txt'))).toBe(false);
    expect(existsSync(path.join(root, 'incoming', 'evil.txt'))).toBe(false);
  });

  it('names zip entries that are unsafe, and accepts plain ones', () => {
    for (const bad of ['..', 'a/../b', '/x', 'a\\b', 'c:x', 'a//b', './a', 'a\0b']) expect(unsafeZipEntry(bad)).not.toBeNull();
    for (const good of ['manifest.json', 'pkg/', 'pkg/mapping.onnx', 'a..b/c', '...x']) expect(unsafeZipEntry(good)).toBeNull();
  });

  it('refuses a file whose bytes differ from its manifest sha256', async () => {
    const files = fixtureFiles();
    const mapping = files['mapping.onnx']!.slice();
    mapping[mapping.length - 10] ^= 0xff;
    const zip = await writeTemp('tampered.zip', zipWithNames({ ...files, 'mapping.onnx': mapping }));
    expect(await refusal(importer.importPath(zip))).toMatch(/mapping\.onnx does not match the sha256/);
    expect(libraryState().models).toEqual([]);
  });

  it('refuses a manifest that lies about the graph dims, naming graph, tensor and shapes', async () => {
    const zip = await writeTemp('lies.zip', fixtureZip({ edit: (m) => (m.z_dim = 128) }));
    const message = await refusal(importer.importPath(zip));
    expect(message).toContain('graph "mapping" (mapping.onnx) input "z" is');
    expect(message).toContain('but the manifest expects [batch, 128]');
    expect(libraryState()).toEqual({ models: [], index: null, staging: [] });
  });

  it('refuses an encoder graph whose tensors are not img → ws', async () => {
    // A real graph under the encoder's name: the mapping network takes z, not the picture.
    const files = fixtureFiles();
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as ManifestJson;
    manifest.graphs = { ...(manifest.graphs as object), encoder: { file: 'encoder.onnx', inputs: ['img'], outputs: ['ws'] } };
    manifest.files['encoder.onnx'] = { sha256: sha(files['mapping.onnx']!), bytes: files['mapping.onnx']!.length };
    const zip = await writeTemp(
      'encoder.zip',
      zipWithNames({ ...files, 'encoder.onnx': files['mapping.onnx']!, 'manifest.json': JSON.stringify(manifest) }),
    );
    const message = await refusal(importer.importPath(zip));
    expect(message).toContain('graph "encoder" (encoder.onnx) has no input "img" [batch, 3, 32, 32]');
    expect(message).toContain('graph "encoder" (encoder.onnx) takes input "z"');
    expect(libraryState()).toEqual({ models: [], index: null, staging: [] });
  });

  it('refuses a malformed manifest, naming the field', async () => {
    const zip = await writeTemp('bad.zip', fixtureZip({ edit: (m) => (m.family = 'vae') }));
    expect(await refusal(importer.importPath(zip))).toMatch(/manifest\.json: "family"/);
  });

  it('bounds file counts, package size, zip entries and file size', async () => {
    await setup({ ...IMPORT_LIMITS, maxFiles: 3 });
    expect(await refusal(importer.importPath(FIXTURE_DIR))).toMatch(/lists 4 files; a package may have at most 3/);
    await setup({ ...IMPORT_LIMITS, maxPackageBytes: 100_000 });
    expect(await refusal(importer.importPath(FIXTURE_DIR))).toMatch(/more than the .* a package may be/);
    await setup({ ...IMPORT_LIMITS, maxZipEntries: 3 });
    expect(await refusal(importer.importPath(await writeTemp('m.zip', fixtureZip())))).toMatch(/more than 3 entries/);
    await setup({ ...IMPORT_LIMITS, maxFileBytes: 500_000 });
    expect(await refusal(importer.importPath(FIXTURE_DIR))).toMatch(/synthesis\.onnx is .* more than the .* one file may be/);
    expect(libraryState().models).toEqual([]);
  });

  it('refuses empty files, random bytes, truncated graphs and folders without a manifest', async () => {
    expect(await refusal(importer.importPath(await writeTemp('empty.onnx', new Uint8Array(0))))).toMatch(/empty \(0 bytes\)/);
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);
    expect(await refusal(importer.importPath(await writeTemp('noise.onnx', noise)))).toMatch(/noise\.onnx is not a readable ONNX model/);
    const whole = plainGenerator({ zDim: 16, resolution: 8 });
    expect(await refusal(importer.importPath(await writeTemp('cut.onnx', whole.subarray(0, Math.floor(whole.length * 0.6)))))).toMatch(
      /cut\.onnx is not a readable ONNX model/,
    );
    expect(await refusal(importer.importPath(await writeTemp('notes.txt', 'hello')))).toMatch(/is not a model/);
    await fs.mkdir(path.join(root, 'empty-folder'));
    expect(await refusal(importer.importPath(path.join(root, 'empty-folder')))).toMatch(/has no manifest\.json/);
    expect(await refusal(importer.importPath(await writeTemp('broken.zip', fixtureZip().subarray(0, 5000))))).toMatch(/not a readable \.zip/);
    expect(libraryState()).toEqual({ models: [], index: null, staging: [] });
  });

  it('takes uploaded bytes like a file, and bounds the upload', async () => {
    async function* chunks(bytes: Uint8Array) {
      for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
    }
    const result = await importer.importUpload('C:\\Users\\me\\model.zip', chunks(fixtureZip()));
    expect(result.status).toBe('imported');
    await setup({ ...IMPORT_LIMITS, maxZipBytes: 1000, maxFileBytes: 1000 });
    expect(await refusal(importer.importUpload('big.zip', chunks(fixtureZip({ folder: 'x' }))))).toMatch(/big\.zip is larger than/);
    expect(libraryState().staging).toEqual([]);
  });
});

describe('single .onnx import (family plain)', () => {
  async function runOriginal(bytes: Uint8Array, input: string, output: string, z: Float32Array, dims: number[]): Promise<Float32Array> {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    try {
      const out = await session.run({ [input]: new ort.Tensor('float32', z, dims) });
      return out[output]!.data as Float32Array;
    } finally {
      await session.release();
    }
  }

  it.each([
    ['[N, z] with other names', { inputName: 'latent', outputName: 'out' }, 2],
    ['[N, z, 1, 1] (DCGAN)', { inputRank: 4 as const, inputName: 'input.1', outputName: 'img' }, 4],
  ])('detects %s, writes the manifest from the confirmed settings, and renders like the original graph', async (_what, options, rank) => {
    const bytes = plainGenerator({ zDim: 8, resolution: 4, ...options });
    const staged = await importer.importPath(await writeTemp('gen.onnx', bytes));
    expect(staged).toMatchObject({
      status: 'needs-settings',
      fileName: 'gen.onnx',
      detected: { zDim: 8, resolution: 4, channels: 3, inputName: options.inputName },
    });
    if (staged.status !== 'needs-settings') return;
    expect(libraryState().models).toEqual([]);

    const settings = { name: 'My GAN', z_dim: 8, resolution: 4, img_channels: 3 as const, output_range: [-1, 1] as [number, number] };
    await expect(importer.confirm(staged.stagingId, { ...settings, z_dim: 9 })).rejects.toThrow(/fixes z_dim at 8, but the import settings say 9/);
    const model = await importer.confirm(staged.stagingId, settings);
    expect(model).toMatchObject({ id: 'my-gan', name: 'My GAN', family: 'plain', source: 'library' });
    expect(model.manifest.graphs.generator).toEqual({ file: 'generator.onnx', inputs: ['z'], outputs: ['img'] });

    const dir = path.join(dataDir, 'models', 'my-gan');
    const runner = await openWasmRunner(dir, model.manifest);
    try {
      const { image } = await createPipeline(runner, model.manifest).render(latentState({ seed: 5 }));
      expect(image.dims).toEqual([1, 3, 4, 4]);
      const z = seedToZ(5, 8);
      const expected = await runOriginal(bytes, options.inputName, options.outputName, z, rank === 4 ? [1, 8, 1, 1] : [1, 8]);
      expect(Array.from(image.data)).toEqual(Array.from(expected));
      expect(new Set(Array.from(image.data)).size).toBeGreaterThan(10);
    } finally {
      await runner.dispose();
    }
    expect(libraryState().staging).toEqual([]);
  });

  it('refuses graphs that are not z → image, and expired or cancelled stagings', async () => {
    expect(await refusal(importer.importPath(await writeTemp('w.onnx', plainGenerator({ wrongInputShape: true }))))).toMatch(
      /takes input "z" as float32 \[N, 8, 8\], but a z → image generator takes/,
    );
    const synthesis = path.join(FIXTURE_DIR, 'synthesis.onnx');
    expect(await refusal(importer.importPath(synthesis))).toMatch(/synthesis\.onnx takes input "ws" as float32/);
    const staged = await importer.importPath(await writeTemp('g.onnx', plainGenerator()));
    if (staged.status !== 'needs-settings') throw new Error('expected staging');
    await importer.cancel(staged.stagingId);
    await expect(
      importer.confirm(staged.stagingId, { name: 'x', z_dim: 8, resolution: 4, img_channels: 3, output_range: [-1, 1] }),
    ).rejects.toThrow(/cancelled or has expired/);
    expect(libraryState()).toEqual({ models: [], index: null, staging: [] });
  });

  it('gives a second model of the same name a fresh id', async () => {
    const settings = { name: 'Twin', z_dim: 8, resolution: 4, img_channels: 3 as const, output_range: [0, 1] as [number, number] };
    for (const expected of ['twin', 'twin-2']) {
      const staged = await importer.importPath(await writeTemp('t.onnx', plainGenerator()));
      if (staged.status !== 'needs-settings') throw new Error('expected staging');
      expect((await importer.confirm(staged.stagingId, settings)).id).toBe(expected);
    }
  });
});

describe('library index', () => {
  it('is rebuilt from the folders when damaged, and says so', async () => {
    await importer.importPath(FIXTURE_DIR);
    await library.rename('fixture-stylegan-tiny', 'Renamed');
    await fs.writeFile(path.join(dataDir, 'library.json'), '{"format": 1, "models": {"../x": 3');
    const models = await library.scan();
    expect(models.map((m) => [m.id, m.name])).toEqual([['fixture-stylegan-tiny', 'Fixture: tiny StyleGAN2 (random weights)']]);
    expect(library.problems[0]?.message).toMatch(/library\.json was damaged .* rebuilt from the model folders/);
    const rebuilt = JSON.parse(readFileSync(path.join(dataDir, 'library.json'), 'utf8'));
    expect(rebuilt.models['fixture-stylegan-tiny'].origin).toBe('rebuilt');
  });

  it('lists a folder whose import stopped before the index was written, and drops entries without folders', async () => {
    await importer.importPath(FIXTURE_DIR);
    await fs.rm(path.join(dataDir, 'library.json'));
    await fs.rm(path.join(dataDir, 'models', 'fixture-stylegan-tiny'), { recursive: true });
    await fs.cp(FIXTURE_DIR, path.join(dataDir, 'models', 'fixture-stylegan-tiny'), { recursive: true });
    expect((await library.scan()).map((m) => m.id)).toEqual(['fixture-stylegan-tiny']);
    await fs.rm(path.join(dataDir, 'models', 'fixture-stylegan-tiny'), { recursive: true });
    expect(await library.scan()).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'library.json'), 'utf8')).models).toEqual({});
  });

  it('reports a package whose files were damaged on disk, instead of serving them', async () => {
    await importer.importPath(FIXTURE_DIR);
    await fs.truncate(path.join(dataDir, 'models', 'fixture-stylegan-tiny', 'synthesis.onnx'), 100);
    expect(await library.scan()).toEqual([]);
    expect(library.problems[0]?.message).toMatch(/synthesis\.onnx is 100 bytes but the manifest says/);
    expect(library.resolveFile('fixture-stylegan-tiny', 'synthesis.onnx')).toBeNull();
  });

  it('renames and deletes to the trash; bundled models are neither', async () => {
    await importer.importPath(FIXTURE_DIR);
    expect((await library.rename('fixture-stylegan-tiny', '  Tiny  ')).name).toBe('Tiny');
    expect((await new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir }).scan())[0]?.name).toBe('Tiny');
    const trashed = await library.remove('fixture-stylegan-tiny');
    expect(trashed.startsWith(path.join(dataDir, 'trash', 'fixture-stylegan-tiny-'))).toBe(true);
    expect(existsSync(path.join(trashed, 'synthesis.onnx'))).toBe(true);
    expect(await library.scan()).toEqual([]);
    await expect(library.remove('fixture-stylegan-tiny')).rejects.toThrow(LibraryError);

    const withBundled = new ModelLibrary({ bundledDir: path.resolve(FIXTURE_DIR, '../..'), includeFixtures: true, dataDir });
    await withBundled.scan();
    await expect(withBundled.remove('fixture-stylegan-tiny')).rejects.toThrow(/not a model in your library/);
    await expect(withBundled.rename('fixture-stylegan-tiny', 'x')).rejects.toThrow(/not a model in your library/);
  });

  it('uses the trash the host gives (the system trash in Electron)', async () => {
    const thrown: string[] = [];
    library = new ModelLibrary({
      bundledDir: path.join(root, 'bundled'),
      dataDir,
      trash: async (dir) => {
        thrown.push(dir);
        await fs.rm(dir, { recursive: true });
        return 'the system trash';
      },
    });
    await library.scan();
    await new ModelImporter(library, dataDir).importPath(FIXTURE_DIR);
    expect(await library.remove('fixture-stylegan-tiny')).toBe('the system trash');
    expect(thrown).toEqual([path.join(dataDir, 'models', 'fixture-stylegan-tiny')]);
  });

  it('cleans staging left by an earlier run, keeping what is fresh', async () => {
    await fs.mkdir(path.join(dataDir, 'staging', 'old'), { recursive: true });
    await fs.mkdir(path.join(dataDir, 'staging', 'new'), { recursive: true });
    const old = new Date(Date.now() - 48 * 3600 * 1000);
    await fs.utimes(path.join(dataDir, 'staging', 'old'), old, old);
    await importer.cleanStaging();
    expect(readdirSync(path.join(dataDir, 'staging'))).toEqual(['new']);
  });
});
