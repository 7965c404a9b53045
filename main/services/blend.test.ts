/**
 * Saving blends into a real library on disk: a blend is listed with its lineage and files that
 * match its manifest; two models of different architectures are refused naming the difference; a
 * blend cancelled midway leaves the data folder as it was.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveBlend } from './blend';
import { ModelImporter } from './import';
import { ImportCancelledError, TEST_THROTTLE_ENV } from './import-jobs';
import { ModelLibrary } from './library';
import { sha256 } from './import-copy';

const MODELS = path.resolve(__dirname, '../../models');
const A = 'fixture-stylegan-tiny-noise';
const JOB = 'blend-0123456789abcdefgh';
const HALF = { mapping: 0.5, synthesis: { 4: 0.5, 8: 0.5, 16: 0.5, 32: 0.5 } };

let root: string;
let library: ModelLibrary;
let importer: ModelImporter;

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'latent-blend-'));
  library = new ModelLibrary({ bundledDir: MODELS, includeFixtures: true, dataDir: root });
  await library.scan();
  importer = new ModelImporter(library, root);
});
afterEach(() => {
  delete process.env[TEST_THROTTLE_ENV];
  rmSync(root, { recursive: true, force: true });
});

/** Everything under the data folder but the staging folder itself (emptied, not removed, after a job). */
function listing(dir = root): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f !== 'staging')
    .sort();
}

describe('saveBlend', () => {
  it('lists the blend in the library with its parents, weights and verified files', async () => {
    const model = await saveBlend(library, importer, { a: A, b: A, name: 'Tiny blend', weights: HALF });
    expect(model).toMatchObject({ id: 'tiny-blend', name: 'Tiny blend', source: 'library', family: 'stylegan' });
    const parent = JSON.parse(readFileSync(path.join(MODELS, 'fixtures', 'stylegan-tiny-noise', 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
    expect(model.manifest.lineage).toEqual({
      method: 'blend',
      parents: [0, 1].map(() => ({ id: A, name: expect.any(String), synthesis_sha256: parent.files['synthesis.onnx']!.sha256 })),
      weights: HALF,
    });
    const dir = path.join(root, 'models', 'tiny-blend');
    for (const [file, entry] of Object.entries(model.manifest.files)) expect(sha256(readFileSync(path.join(dir, file))), file).toBe(entry.sha256);
    // A blend of a model with itself is that model, byte for byte.
    expect(readFileSync(path.join(dir, 'synthesis.onnx'))).toEqual(readFileSync(path.join(MODELS, 'fixtures', 'stylegan-tiny-noise', 'synthesis.onnx')));
    const again = await saveBlend(library, importer, { a: A, b: A, name: 'Tiny blend', weights: HALF });
    expect(again.id).toBe('tiny-blend-2');
  });

  it('refuses two architectures, naming the difference, and changes nothing', async () => {
    const before = listing();
    await expect(saveBlend(library, importer, { a: A, b: 'fixture-stylegan3-tiny', name: 'Mismatch', weights: HALF })).rejects.toThrow(/cannot be blended: the models differ in \w+: .* in A and .* in B/);
    expect(listing()).toEqual(before);
  });

  it('stops when cancelled midway and leaves the data folder as it was', async () => {
    const before = listing();
    // Paced so the cancel lands while the weights are being blended.
    process.env[TEST_THROTTLE_ENV] = '200000';
    const running = saveBlend(library, importer, { a: A, b: A, name: 'Cancelled', weights: HALF, job: JOB });
    let seen = null;
    while (!seen) {
      const progress = importer.progress(JOB);
      if (progress?.phase === 'blending' && progress.done > 0) seen = progress;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(seen.done).toBeLessThan(seen.total);
    expect(importer.abort(JOB)).toBe(true);
    await expect(running).rejects.toThrow(ImportCancelledError);
    expect(listing()).toEqual(before);
  });
});
