/**
 * The TypeScript BigGAN converter against the Python path: a random-weight BigGAN-deep folder in
 * the huggingface format (models/tools/tests/biggan_reference.py; config.json + pytorch_model.bin,
 * zip and legacy torch.save) is read by biggan-hf.ts and converted by convertBigGan, and by
 * export_biggan.py --checkpoint; both graphs run in onnxruntime-web, and the images are compared
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
import { parseManifest } from '../model/manifest';
import { checkPackageGraphs, readOnnxInfo } from '../model/onnx';
import { createOrtRunner, type OrtModuleLike } from '../runtime/ort-runner';
import { createPipeline } from '../inference/render';
import { latentState } from '../state/latent-state';
import { python, pythonFileJson, pythonMissing } from '../../test-support/python';
import { readBigGanFolder } from './biggan-hf';
import { convertBigGan, parseBigGanConfig, parseClassNameList, type BigGanConvertOptions } from './biggan';
import { CheckpointError, ConversionCancelled, type ConvertedPackage, type NetworkSnapshot } from './snapshot';

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

/** The published biggan-deep-128 config.json but for its width, classes and z (attention at 64 px). */
const DEEP_128 = {
  attention_layer_position: 8, channel_width: 4, class_embed_dim: 32, eps: 1e-4,
  layers: [[false, 16, 16], [true, 16, 16], [false, 16, 16], [true, 16, 8], [false, 8, 8],
    [true, 8, 4], [false, 4, 4], [true, 4, 2], [false, 2, 2], [true, 2, 1]],
  n_stats: 51, num_classes: 10, output_dim: 128, z_dim: 32,
};

type Config = typeof CONFIG;

/**
 * The nets biggan_reference.py makes. Truncations on the 0.02 grid (1, 0.7, 0.4) and off it
 * (0.333: rows 16 and 17 weighted 0.65 / 0.35, where the reference's swapped weights and a
 * textbook lerp disagree); the last one also with a blend of two classes.
 */
const NETS: Record<string, { config: Config; seed: number; seeds: number[]; truncations: number[] }> = {
  small: { config: CONFIG, seed: 0, seeds: [0, 1], truncations: [1, 0.7, 0.4, 0.333] },
  deep128: { config: DEEP_128, seed: 1, seeds: [0], truncations: [1, 0.333] },
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

/** A pytorch-pretrained-BigGAN folder biggan_reference.py wrote, read as the studio reads one (biggan-hf.ts). */
function readFolder(folder: string): { config: unknown; snapshot: NetworkSnapshot } {
  // Plain Uint8Arrays, as a browser's File.arrayBuffer() gives them: the reader takes a Node Buffer's
  // slice() for a copy, which it is not (an unaligned legacy storage then fails).
  const bytes = (file: string) => new Uint8Array(readFileSync(path.join(folder, file)));
  return readBigGanFolder(bytes('config.json'), bytes('pytorch_model.bin'));
}

async function session(model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
}

async function generate(s: ort.InferenceSession, cases: readonly Case[], config: Config = CONFIG): Promise<Float32Array> {
  const out = await s.run({
    z: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.z)), [cases.length, config.z_dim]),
    c: new ort.Tensor('float32', Float32Array.from(cases.flatMap((c) => c.c)), [cases.length, config.num_classes]),
    truncation: new ort.Tensor('float32', Float32Array.of(cases[0]!.truncation), [1]),
  });
  expect(out.img!.dims).toEqual([cases.length, 3, config.output_dim, config.output_dim]);
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

/** One reference net: the Python side's outputs, the snapshot, our package and both graphs opened. */
interface Net {
  config: Config;
  ref: Reference;
  snapshot: NetworkSnapshot;
  options: BigGanConvertOptions;
  pkg: ConvertedPackage;
  ours: ort.InferenceSession;
  theirs: ort.InferenceSession;
}

describe.skipIf(missing)('convertBigGan against export_biggan.py', () => {
  let dir = '';
  const nets = new Map<string, Net>();
  const net = (name: string): Net => {
    const n = nets.get(name);
    if (!n) throw new Error(`reference net ${name} was not built`);
    return n;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'biggan-ts-'));
    const refs = pythonFileJson<Record<string, Reference>>(REFERENCE, dir, JSON.stringify(NETS));
    for (const [name, { config }] of Object.entries(NETS)) {
      const folder = readFolder(path.join(dir, name, 'hf'));
      expect(folder.config).toEqual(config);
      const snapshot = folder.snapshot;
      // Only the 1000-class net needs names from the caller; the other takes export_biggan.py's "class i".
      const options: BigGanConvertOptions = { id: 'test-biggan', folderName: 'hf', ...(config.num_classes === 1000 ? { classNames: parseClassNameList(readFileSync(IMAGENET, 'utf8')) } : {}) };
      const started = performance.now();
      const pkg = await convertBigGan(config, snapshot, options);
      console.info(`convertBigGan ${name} (${config.output_dim} px, ${snapshot.tensors.size} tensors): ${(performance.now() - started).toFixed(0)} ms`);
      const ref = refs[name]!;
      nets.set(name, { config, ref, snapshot, options, pkg, ours: await session(pkg.files.get('generator.onnx')!), theirs: await session(readFileSync(path.join(ref.package, 'generator.onnx'))) });
    }
  });

  afterAll(async () => {
    for (const n of nets.values()) {
      await n.ours.release();
      await n.theirs.release();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const name of Object.keys(NETS)) {
    describe(name, () => {
      it('has cases on and off the 0.02 grid, one-hot and blended classes, and pictures that vary', () => {
        const { ref } = net(name);
        expect(new Set(ref.cases.map((c) => c.truncation))).toEqual(new Set(NETS[name]!.truncations));
        expect(ref.cases.map((c) => c.truncation)).toContain(0.333);
        expect(ref.cases.some((c) => c.c.filter((v) => v !== 0).length === 2)).toBe(true);
        const std = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length - (v.reduce((a, x) => a + x, 0) / v.length) ** 2);
        expect(Math.min(...ref.cases.map((c) => std(c.img)))).toBeGreaterThan(0.05);
      });

      it('gives the images of the Python exporter’s ONNX graph (max abs < 1e-5) and of its PyTorch model (< 1e-5)', async () => {
        const { ref, ours, theirs, config } = net(name);
        let vsOnnx = 0;
        let vsTorch = 0;
        for (const c of ref.cases) {
          const a = await generate(ours, [c], config);
          vsOnnx = Math.max(vsOnnx, maxAbsDiff(await generate(theirs, [c], config), a));
          vsTorch = Math.max(vsTorch, maxAbsDiff(c.img, a));
        }
        console.info(`BigGAN ${name}: max abs vs export_biggan.py ONNX ${vsOnnx.toExponential(2)}, vs its PyTorch ${vsTorch.toExponential(2)}`);
        expect(vsOnnx).toBeLessThan(1e-5);
        expect(vsTorch).toBeLessThan(1e-5);
      });

      it('stays within 4× the reference’s own float32 spread of its float64 forward', async () => {
        const { ref, ours, config } = net(name);
        const spread = Math.max(...ref.cases.map((c) => c.ref32_spread));
        let worst = 0;
        for (const c of ref.cases) worst = Math.max(worst, maxAbsDiff(c.ref64, await generate(ours, [c], config)));
        console.info(`BigGAN ${name}: max abs vs float64 reference ${worst.toExponential(2)} (reference float32 spread ${spread.toExponential(2)})`);
        expect(spread).toBeGreaterThan(0);
        expect(worst).toBeLessThan(4 * spread);
      });

      it('writes the manifest export_biggan.py writes, but for the files (the writer’s) and the exporter’s own line', () => {
        const { ref, pkg } = net(name);
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
        expect(python.class_names.slice(0, 2)).toEqual(python.c_dim === 1000 ? ['tench', 'goldfish'] : ['class 0', 'class 1']);
      });

      it('makes a package the studio accepts and renders: manifest schema, graph io, seed → the PyTorch picture', async () => {
        const { ref, pkg } = net(name);
        const manifest = parseManifest(withFiles(pkg));
        expect(checkPackageGraphs(manifest, { generator: readOnnxInfo(pkg.files.get('generator.onnx')!) })).toEqual([]);
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
    });
  }

  it('converts the legacy torch.save folder of the same net into the same graph, byte for byte', async () => {
    for (const name of Object.keys(NETS)) {
      const { config, snapshot } = readFolder(path.join(dir, name, 'hf-legacy'));
      const n = net(name);
      const legacy = await convertBigGan(config, snapshot, n.options);
      expect(Buffer.from(legacy.files.get('generator.onnx')!).equals(Buffer.from(n.pkg.files.get('generator.onnx')!)), name).toBe(true);
    }
  });

  it('runs a batch (dynamic batch axis) as it runs the cases alone', async () => {
    const { ref, ours } = net('small');
    const group = ref.cases.filter((c) => c.truncation === 0.333);
    const batch = await generate(ours, group);
    const per = batch.length / group.length;
    for (const [k, c] of group.entries()) expect(maxAbsDiff(await generate(ours, [c]), batch, k * per)).toBeLessThan(1e-6);
  });

  it('passes export_biggan.py’s own structural check (onnx checker, no grouped Conv or Random*, io dims, strict shape inference)', () => {
    const args = Object.entries(NETS).flatMap(([name, { config }]) => {
      const file = path.join(dir, `ts-${name}.onnx`);
      writeFileSync(file, net(name).pkg.files.get('generator.onnx')!);
      return [file, JSON.stringify(config)];
    });
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(TOOLS)})`,
      'import onnx',
      'from export_biggan import check_graph',
      'from biggan.model import BigGANConfig',
      'for file, config in zip(sys.argv[1::2], sys.argv[2::2]):',
      '    check_graph(file, BigGANConfig.from_dict(json.loads(config)))',
      '    onnx.shape_inference.infer_shapes(onnx.load(file), check_type=True, strict_mode=True)',
    ].join('\n');
    const lines = python(script, ...args).trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(Object.keys(NETS).map((n) => `ts-${n}.onnx`));
  });

  it('refuses a state dict with a tensor missing, one of the wrong shape, or one left over, naming it and the Python fallback', async () => {
    const { snapshot, options } = net('small');
    const without = new Map(snapshot.tensors);
    without.delete('generator.layers.2.bn_1.running_vars');
    await expect(convertBigGan(CONFIG, { ...snapshot, tensors: without }, options)).rejects.toThrow(
      /no tensor "generator\.layers\.2\.bn_1\.running_vars".*export_biggan\.py/,
    );
    const reshaped = new Map(snapshot.tensors);
    const t = reshaped.get('generator.layers.4.gamma')!;
    reshaped.set('generator.layers.4.gamma', { ...t, shape: [1, 1] });
    await expect(convertBigGan(CONFIG, { ...snapshot, tensors: reshaped }, options)).rejects.toThrow(/"generator\.layers\.4\.gamma" has shape \[1, 1\], but config\.json makes it \[1\]/);
    const extra = new Map(snapshot.tensors);
    extra.set('generator.layers.99.conv_0.weight_orig', t);
    await expect(convertBigGan(CONFIG, { ...snapshot, tensors: extra }, options)).rejects.toThrow(/1 tensor\(s\) .*"generator\.layers\.99\.conv_0\.weight_orig"/);
    // The same state dict under a config that places attention elsewhere does not fit either.
    await expect(convertBigGan({ ...CONFIG, attention_layer_position: 2 }, snapshot, options)).rejects.toThrow(CheckpointError);
    // Nor does the other net's.
    await expect(convertBigGan(DEEP_128, snapshot)).rejects.toThrow(/"embeddings\.weight" has shape \[16, 1000\], but config\.json makes it \[32, 10\]/);
  });

  it('reports progress up to 1 and stops when cancelled', async () => {
    const { snapshot, options } = net('small');
    const seen: number[] = [];
    await convertBigGan(CONFIG, snapshot, { ...options, onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);
    let asked = 0;
    await expect(convertBigGan(CONFIG, snapshot, { ...options, cancelled: () => ++asked > 3 })).rejects.toThrow(ConversionCancelled);
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

  it('needs the ImageNet names from the caller for 1000 classes and one name per class, and refuses StyleGAN-only options', async () => {
    const empty: NetworkSnapshot = { className: 'BigGAN', initArgs: [], initKwargs: {}, tensors: new Map(), modules: new Map() };
    await expect(convertBigGan(CONFIG, empty)).rejects.toThrow(/ImageNet class names/);
    await expect(convertBigGan(CONFIG, empty, { classNames: ['a', 'b'] })).rejects.toThrow(/2 class names .* 1000 classes/);
    await expect(convertBigGan(CONFIG, empty, { noiseInputs: true })).rejects.toThrow(/noise inputs .* BigGAN generators have neither/);
    await expect(convertBigGan(CONFIG, empty, { transformInput: true })).rejects.toThrow(/input transform .* BigGAN/);
    expect(parseClassNameList('tench\ngoldfish\n')).toEqual(['tench', 'goldfish']);
    expect(parseClassNameList(readFileSync(IMAGENET, 'utf8'))).toHaveLength(1000);
  });
});
