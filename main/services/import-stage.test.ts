/**
 * Importing image2image stage packages into the user library, on real files: the bundled 4×
 * stage imports as a stage (listed apart from the generators, its files served), and packages
 * whose manifest or graph is wrong are refused with the reason, leaving the library as it was.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from '../../e2e/model-corpus';
import { ModelImporter } from './import';
import { ModelLibrary } from './library';
import { refusal } from '../../test-support/import-refusal';

const SR_DIR = path.join(__dirname, '..', '..', 'models', 'emoji-sr4x');

let root: string;
let dataDir: string;
let library: ModelLibrary;
let importer: ModelImporter;

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'latent-stage-'));
  dataDir = path.join(root, 'data');
  library = new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir });
  await library.scan();
  importer = new ModelImporter(library, dataDir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the bundled stage package, its manifest changed by `change` (and its graph replaced by `graph`, hashes updated). */
function stageCopy(change: (m: Record<string, any>) => void = () => undefined, graph?: Uint8Array): string {
  const dir = path.join(root, 'incoming', 'stage');
  cpSync(SR_DIR, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  if (graph) {
    writeFileSync(path.join(dir, 'sr4x.onnx'), graph);
    manifest.files['sr4x.onnx'] = { sha256: createHash('sha256').update(graph).digest('hex'), bytes: graph.length };
  }
  change(manifest);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('stage import', () => {
  it('imports an image2image package as a stage, not a model', async () => {
    const result = await importer.importPath(stageCopy());
    expect(result.status).toBe('imported-stage');
    if (result.status !== 'imported-stage') return;
    expect(result.stage).toMatchObject({ id: 'emoji-sr4x', source: 'library', baseUrl: '/models/emoji-sr4x/' });
    expect(await library.scan()).toEqual([]);
    expect(library.stages().map((s) => s.id)).toEqual(['emoji-sr4x']);
    expect(library.resolveFile('emoji-sr4x', 'sr4x.onnx')).toBe(path.join(dataDir, 'models', 'emoji-sr4x', 'sr4x.onnx'));
    // A fresh library (the next start) finds it again from the folder and the index.
    const again = new ModelLibrary({ bundledDir: path.join(root, 'bundled'), dataDir });
    await again.scan();
    expect(again.stageEntry('emoji-sr4x')?.manifest.scale).toBe(4);
    expect(await refusal(importer.importPath(stageCopy()))).toMatch(/already has a model with the id "emoji-sr4x"/);
  });

  it.each([
    ['a bad scale', (m: any) => (m.scale = 0), /"scale"/],
    ['a stale sha256', (m: any) => (m.files['sr4x.onnx'].sha256 = '0'.repeat(64)), /does not match the sha256/],
    ['an output the graph lacks', (m: any) => (m.graphs.model.outputs = ['sr']), /has no output "sr"/],
  ])('refuses a package with %s and leaves the library empty', async (_what, change, message) => {
    expect(await refusal(importer.importPath(stageCopy(change)))).toMatch(message);
    await library.scan();
    expect(library.stages()).toEqual([]);
  });

  it('refuses a graph that is not image → image (a generator graph under a stage manifest)', async () => {
    const synthesis = new Uint8Array(readFileSync(path.join(FIXTURE_DIR, 'synthesis.onnx')));
    const dir = stageCopy((m) => (m.graphs.model = { file: 'sr4x.onnx', inputs: ['ws'], outputs: ['img'] }), synthesis);
    expect(await refusal(importer.importPath(dir))).toMatch(/input "ws" is \[.*\], but a stage takes and gives images \[N, C, H, W\]/);
    expect(library.stages()).toEqual([]);
  });
});
