/**
 * The TypeScript BigGAN converter against the Python path: a random-weight BigGAN-deep in the
 * huggingface layout (models/tools/tests/biggan_reference.py) is converted by convertBigGan and by
 * export_biggan.py --checkpoint, both graphs run in onnxruntime-web, and the images are compared
 * with each other, with the exporter's PyTorch model and with a float64 restatement of the
 * reference forward, on and off the 0.02 truncation grid.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpz } from '../formats/npz';
import { parseManifest } from '../model/manifest';
import { checkPackageGraphs, readOnnxInfo } from '../model/onnx';
import { createOrtRunner, type OrtModuleLike } from '../ort-runner';
import { createPipeline } from '../pipeline/render';
import { latentState } from '../pipeline/state';
import { python, pythonFileJson, pythonMissing } from '../../test-support/python';
import { convertBigGan, parseBigGanConfig, parseClassNameList, type BigGanConvertOptions } from './biggan';
import { CheckpointError, ConversionCancelled, type ConvertedPackage, type NetworkSnapshot, type StoredTensor } from './snapshot';

ort.env.wasm.numThreads = 1;

const REFERENCE = fileURLToPath(new URL('../../models/tools/tests/biggan_reference.py', import.meta.url));
const TOOLS = fileURLToPath(new URL('../../models/tools', import.meta.url));
const IMAGENET = path.join(TOOLS, 'biggan', 'imagenet_classes.txt');

/**
 * 32 px BigGAN-deep (test_biggan.py's layout: attention before layers[4] at 16 px, one block that
 * halves its channels per upsampling) with ImageNet's 1000 classes, so the class names follow the
 * real checkpoints' path.
 */
const CONFIG = {
  attention_layer_position: 4, channel_width: 4, class_embed_dim: 16, eps: 1e-4,
  layers: [[false, 16, 16], [true, 16, 8], [false, 8, 8], [true, 8, 4], [false, 4, 2], [true, 2, 1]],
  n_stats: 51, num_classes: 1000, output_dim: 32, z_dim: 16,
};

interface Case {
  seed: number;
  truncation: number;
  label: string;
  class_index: number;
  z: number[];
  c: number[];
  /** export_biggan.py's PyTorch model, float32, eval mode. */
  img: number[];
  /** The reference forward restated (test_biggan.py ref_forward) in float64. */
  ref64: number[];
  /** max |ref_forward in float32 − ref_forward in float64|: the reference's own float32 spread. */
  ref32_spread: number;
}

interface Reference {
  package: string;
  cases: Case[];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, offset = 0): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[offset + i]!));
  return worst;
}

/** A NetworkSnapshot of the state dict that biggan_reference.py saved as pytorch_model.bin, read from its npz twin. */
function snapshotFromNpz(bytes: Uint8Array): NetworkSnapshot {
  const tensors = new Map<string, StoredTensor>();
  for (const [name, array] of parseNpz(bytes)) tensors.set(name, { shape: array.shape, dtype: 'float32', data: array.data });
  return { className: 'BigGAN', initArgs: [], initKwargs: {}, tensors, modules: new Map() };
}

async function session(model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
}

async function generate(s: ort.InferenceSession, cases: readonly Case[]): Promise<Float32Array> {
  const out = await s.run({
    z: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.z)), [cases.length, CONFIG.z_dim]),
    c: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.c)), [cases.length, CONFIG.num_classes]),
    truncation: new ort.Tensor('float32', Float32Array.of(cases[0]!.truncation), [1]),
  });
  expect(out.img!.dims).toEqual([cases.length, 3, CONFIG.output_dim, CONFIG.output_dim]);
  return out.img!.data as Float32Array;
}

/** The manifest with `files` filled as the package writer fills it. */
function withFiles(pkg: ConvertedPackage): Record<string, unknown> {
  const files = Object.fromEntries(
    [...pkg.files].map(([name, bytes]) => [name, { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }]),
  );
  return { ...pkg.manifest, files };
}

const missing = pythonMissing('numpy', 'scipy', 'torch', 'onnx');

describe.skipIf(missing)('convertBigGan against export_biggan.py', () => {
  let dir = '';
  let ref: Reference;
  let snapshot: NetworkSnapshot;
  let pkg: ConvertedPackage;
  let ours: ort.InferenceSession;
  let theirs: ort.InferenceSession;
  const options = (): BigGanConvertOptions => ({ id: 'test-biggan', folderName: 'hf', classNames: parseClassNameList(readFileSync(IMAGENET, 'utf8')) });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'biggan-ts-'));
    ref = pythonFileJson<Reference>(REFERENCE, dir, JSON.stringify(CONFIG));
    snapshot = snapshotFromNpz(readFileSync(path.join(dir, 'state.npz')));
    pkg = await convertBigGan(CONFIG, snapshot, options());
    ours = await session(pkg.files.get('generator.onnx')!);
    theirs = await session(readFileSync(path.join(ref.package, 'generator.onnx')));
  });

  afterAll(async () => {
    await ours?.release();
    await theirs?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('covers truncations on and off the 0.02 grid, one-hot and blended classes, and rows that matter', () => {
    expect(new Set(ref.cases.map((c) => c.truncation))).toEqual(new Set([1, 0.7, 0.4, 0.333]));
    expect(ref.cases.some((c) => c.c.filter((v) => v !== 0).length === 2)).toBe(true);
    // Not a degenerate net: the pictures vary, and truncation 0.333 differs from 0.4 for one z.
    const std = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length - (v.reduce((a, x) => a + x, 0) / v.length) ** 2);
    expect(Math.min(...ref.cases.map((c) => std(c.img)))).toBeGreaterThan(0.05);
  });

  it('gives the images of the Python exporter’s ONNX graph (max abs < 1e-5) and of its PyTorch model (< 1e-5)', async () => {
    let vsOnnx = 0;
    let vsTorch = 0;
    for (const c of ref.cases) {
      const a = await generate(ours, [c]);
      const b = await generate(theirs, [c]);
      vsOnnx = Math.max(vsOnnx, maxAbsDiff(b, a));
      vsTorch = Math.max(vsTorch, maxAbsDiff(c.img, a));
    }
    console.info(`BigGAN TS graph: max abs vs export_biggan.py ONNX ${vsOnnx.toExponential(2)}, vs its PyTorch ${vsTorch.toExponential(2)}`);
    expect(vsOnnx).toBeLessThan(1e-5);
    expect(vsTorch).toBeLessThan(1e-5);
  });

  it('stays within 4× the reference’s own float32 spread of its float64 forward (swapped-weight rows, off-grid included)', async () => {
    const spread = Math.max(...ref.cases.map((c) => c.ref32_spread));
    let worst = 0;
    for (const c of ref.cases) worst = Math.max(worst, maxAbsDiff(c.ref64, await generate(ours, [c])));
    console.info(`BigGAN TS graph: max abs vs float64 reference ${worst.toExponential(2)} (reference float32 spread ${spread.toExponential(2)})`);
    expect(spread).toBeGreaterThan(0);
    expect(worst).toBeLessThan(4 * spread);
  });

  it('runs a batch (dynamic batch axis) as it runs the cases alone', async () => {
    const group = ref.cases.filter((c) => c.truncation === 0.333);
    const batch = await generate(ours, group);
    const per = batch.length / group.length;
    for (const [k, c] of group.entries()) expect(maxAbsDiff(await generate(ours, [c]), batch, k * per)).toBeLessThan(1e-6);
  });

  it('writes the manifest export_biggan.py writes, but for the files (the writer’s) and the exporter’s own line', () => {
    const python = JSON.parse(readFileSync(path.join(ref.package, 'manifest.json'), 'utf8')) as Record<string, any>;
    const ts = structuredClone(pkg.manifest) as Record<string, any>;
    expect(Object.keys(ts)).toEqual(Object.keys(python));
    expect(Object.keys(ts.generator)).toEqual(Object.keys(python.generator));
    expect(ts.generator.exporter).toMatch(/TypeScript/);
    expect(ts.generator.z_distribution).toBe(python.generator.z_distribution.replace(/; verified with scipy [^)]*\)$/, ')'));
    for (const m of [ts, python]) {
      delete m.files;
      delete m.generator.exporter;
      delete m.generator.z_distribution;
    }
    expect(ts).toEqual(python);
    expect(python.class_names.slice(0, 2)).toEqual(['tench', 'goldfish']);
  });

  it('makes a package the studio accepts and renders: manifest schema, graph io, seed → the PyTorch picture', async () => {
    const manifest = parseManifest(withFiles(pkg));
    const onnx = pkg.files.get('generator.onnx')!;
    expect(checkPackageGraphs(manifest, { generator: readOnnxInfo(onnx) })).toEqual([]);
    const runner = await createOrtRunner(ort as unknown as OrtModuleLike, manifest, {
      backend: 'wasm',
      sessionOptions: { executionProviders: ['wasm'] },
      loadFile: async (file) => pkg.files.get(file)!,
    });
    try {
      const pipeline = createPipeline(runner, manifest);
      for (const c of ref.cases.filter((k) => k.label.startsWith('class'))) {
        const { image } = await pipeline.render(latentState({ seed: c.seed, psi: c.truncation, classes: [{ index: c.class_index, weight: 1 }] }));
        expect(maxAbsDiff(c.img, image.data), `seed ${c.seed} ψ ${c.truncation}`).toBeLessThan(1e-5);
      }
    } finally {
      await runner.dispose();
    }
  });

  it('passes export_biggan.py’s own structural check (onnx checker, no grouped Conv or Random*, io dims)', () => {
    const file = path.join(dir, 'ts-generator.onnx');
    writeFileSync(file, pkg.files.get('generator.onnx')!);
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(TOOLS)})`,
      'from export_biggan import check_graph',
      'from biggan.model import BigGANConfig',
      'import onnx',
      'check_graph(sys.argv[1], BigGANConfig.from_dict(json.loads(sys.argv[2])))',
      'onnx.shape_inference.infer_shapes(onnx.load(sys.argv[1]), check_type=True, strict_mode=True)',
    ].join('\n');
    expect(python(script, file, JSON.stringify(CONFIG))).toMatch(/^ts-generator\.onnx: \d+ bytes, ops /);
  });

  it('refuses a state dict with a tensor missing, one of the wrong shape, or one left over, naming it and the Python fallback', async () => {
    const without = new Map(snapshot.tensors);
    without.delete('generator.layers.2.bn_1.running_vars');
    await expect(convertBigGan(CONFIG, { ...snapshot, tensors: without }, options())).rejects.toThrow(
      /no tensor "generator\.layers\.2\.bn_1\.running_vars".*export_biggan\.py/,
    );
    const reshaped = new Map(snapshot.tensors);
    const t = reshaped.get('generator.layers.4.gamma')!;
    reshaped.set('generator.layers.4.gamma', { ...t, shape: [1, 1] });
    await expect(convertBigGan(CONFIG, { ...snapshot, tensors: reshaped }, options())).rejects.toThrow(/"generator\.layers\.4\.gamma" has shape \[1, 1\], but config\.json makes it \[1\]/);
    const extra = new Map(snapshot.tensors);
    extra.set('generator.layers.99.conv_0.weight_orig', t);
    await expect(convertBigGan(CONFIG, { ...snapshot, tensors: extra }, options())).rejects.toThrow(/1 tensor\(s\) .*"generator\.layers\.99\.conv_0\.weight_orig"/);
    // The same state dict under a config that places attention elsewhere does not fit either.
    await expect(convertBigGan({ ...CONFIG, attention_layer_position: 2 }, snapshot, options())).rejects.toThrow(CheckpointError);
  });

  it('reports progress up to 1 and stops when cancelled', async () => {
    const seen: number[] = [];
    await convertBigGan(CONFIG, snapshot, { ...options(), onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);
    let asked = 0;
    await expect(convertBigGan(CONFIG, snapshot, { ...options(), cancelled: () => ++asked > 3 })).rejects.toThrow(ConversionCancelled);
  });
});

describe('parseBigGanConfig', () => {
  it('fills the biggan-deep-128 defaults as BigGANConfig does', () => {
    const cfg = parseBigGanConfig({});
    expect(cfg.output_dim).toBe(128);
    expect(cfg.layers).toHaveLength(10);
    expect(cfg.attention_layer_position).toBe(8);
    expect(cfg.n_stats).toBe(51);
  });

  it('refuses unknown keys, layer lists that do not reach output_dim and blocks that do not keep or halve channels', () => {
    expect(() => parseBigGanConfig({ ...CONFIG, hidden_size: 3 })).toThrow(/does not know: hidden_size/);
    expect(() => parseBigGanConfig({ ...CONFIG, output_dim: 64 })).toThrow(/upsample 4 px to 32 px, but output_dim 64/);
    expect(() => parseBigGanConfig({ ...CONFIG, layers: [[false, 16, 4], ...CONFIG.layers.slice(1)] })).toThrow(/16 → 4/);
    expect(() => parseBigGanConfig([])).toThrow(CheckpointError);
    expect(() => parseBigGanConfig({ ...CONFIG, z_dim: 0 })).toThrow(/z_dim = 0/);
  });

  it('names classes as export_biggan.py does: given names, else "class i" below 1000, and refuses a count mismatch', async () => {
    const empty: NetworkSnapshot = { className: 'BigGAN', initArgs: [], initKwargs: {}, tensors: new Map(), modules: new Map() };
    await expect(convertBigGan(CONFIG, empty)).rejects.toThrow(/ImageNet class names/);
    await expect(convertBigGan(CONFIG, empty, { classNames: ['a', 'b'] })).rejects.toThrow(/2 class names .* 1000 classes/);
    expect(parseClassNameList('tench\ngoldfish\n')).toEqual(['tench', 'goldfish']);
    expect(parseClassNameList(readFileSync(IMAGENET, 'utf8'))).toHaveLength(1000);
  });
});
