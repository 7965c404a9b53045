/**
 * The blender on real packages run by onnxruntime-web (WASM) in Node through the studio's own
 * pipeline: parent A is the noise-input StyleGAN2 fixture, parent B the same package with every
 * float weight, its style-affine and const-noise arrays and w_avg perturbed. At weight 0 the blend
 * must render A's picture exactly, at 1 B's, at 0.5 every weight must be the average, per-block
 * weights must take each block from the parent asked for, and mismatched packages are refused
 * naming the first difference.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseNpz, writeNpz } from '../codecs/npz';
import type { FloatArray } from '../codecs/npy';
import { parseManifest, type Manifest } from '../model/manifest';
import { encodeTensor } from '../model/onnx-rewrite';
import { createPipeline } from '../inference/render';
import { loadNoiseConst } from '../inference/synthesis-inputs';
import { createOrtRunner, type OrtModuleLike } from '../runtime/ort-runner';
import { latentState } from '../state/latent-state';
import { blendPackages, blendRows, blocksOf, uniformWeights, type BlendWeights, type PackageSource } from './blend';
import { floatValues, readGraphWeights, rewriteInitializers, type ConstantValue, type GraphWeights, type Initializer } from './onnx-weights';

const FIXTURES = path.resolve(__dirname, '../../models/fixtures');

function readPackage(folder: string): PackageSource {
  const dir = path.join(FIXTURES, folder);
  const manifest = parseManifest(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
  const files = new Map(readdirSync(dir).filter((f) => f !== 'manifest.json').map((f) => [f, new Uint8Array(readFileSync(path.join(dir, f)))]));
  return { manifest, files };
}

/** A deterministic multiplier per value: 0.6 … 1.4 (so no weight keeps its value). */
function perturbation(i: number, salt: number): number {
  return 1 + 0.4 * Math.sin(i * 12.9898 + salt * 78.233);
}

function perturbed(data: Float32Array, salt: number): Float32Array {
  return data.map((v, i) => v * perturbation(i, salt) + 0.01 * perturbation(i, salt + 1));
}

/**
 * Every demodulation Constant of a synthesis graph with D[i, o] = Σₖ w² of its layer's conv weight
 * as that graph holds it (Conv weights are [out, in, k, k], the upsampling ConvTranspose ones [in, out, k, k]).
 */
function demodConstants(g: GraphWeights): { constant: ConstantValue; expected: Float32Array }[] {
  return g.constants
    .filter((k) => k.dims.length === 2 && k.consumers.some((n) => /\/conv[01]\/MatMul$/.test(n)))
    .map((constant) => {
      const scope = /\/(b\d+)\/(conv[01])\//.exec(constant.consumers[0]!)!;
      const w = g.initializers.find((i) => i.dims.length === 4 && i.consumers.some((n) => n.startsWith(`/synthesis/${scope[1]}/${scope[2]}/Conv`)))!;
      const [d0, d1] = w.dims as [number, number];
      const transposed = w.consumers.some((n) => n.endsWith('/ConvTranspose'));
      const [wv, k2] = [floatValues(w), w.dims[2]! * w.dims[3]!];
      const expected = new Float32Array(d0 * d1);
      for (let x = 0; x < d0; x++) {
        for (let y = 0; y < d1; y++) {
          let sum = 0;
          for (let k = 0; k < k2; k++) sum += wv[(x * d1 + y) * k2 + k]! ** 2;
          expected[transposed ? x * d1 + y : y * d0 + x] = sum;
        }
      }
      return { constant, expected };
    });
}

/**
 * Parent B: A with its float weights, side-file arrays and w_avg changed, under another id. The
 * fixture's exporter shared some constants (zero biases, noise strengths) between blocks, which a
 * trained model never has; they stay as they are unless `shared`.
 */
function perturbedPackage(a: PackageSource, shared = false): PackageSource {
  const files = new Map(a.files);
  for (const [key, spec] of Object.entries(a.manifest.graphs)) {
    const weights = readGraphWeights(a.files.get(spec.file)!, spec.file);
    const change = (init: Initializer) => init.dataType === 1 && (key === 'mapping' || shared || blocksOf(init).length === 1);
    const changed = readGraphWeights(rewriteInitializers(weights, (init, i) => (change(init) ? perturbed(floatValues(init), i) : undefined)), spec.file);
    // B's demodulation constants follow its weights, as an exporter would have written them.
    const demods = new Map(demodConstants(changed).map(({ constant, expected }) => [constant.node, expected]));
    files.set(spec.file, rewriteInitializers(changed, () => undefined, (c) => demods.get(c.node)));
  }
  for (const file of Object.values(a.manifest.side_files)) {
    const arrays: Record<string, FloatArray> = {};
    [...parseNpz(a.files.get(file)!)].forEach(([key, v], i) => (arrays[key] = { shape: v.shape, data: perturbed(v.data, 100 + i) }));
    files.set(file, writeNpz(arrays));
  }
  const manifest: Manifest = { ...a.manifest, id: 'fixture-b', name: 'Fixture B', w_avg: Array.from(perturbed(Float32Array.from(a.manifest.w_avg), 7)) };
  return { manifest, files };
}

/** Render seed 7 at ψ 0.7 with const noise through the studio's pipeline on WASM. */
async function render(pkg: { manifest: Omit<Manifest, 'files'>; files: ReadonlyMap<string, Uint8Array> }): Promise<Float32Array> {
  const manifest = { ...pkg.manifest, files: {} } as Manifest;
  const loadFile = async (file: string) => pkg.files.get(file)!;
  const runner = await createOrtRunner(ort as unknown as OrtModuleLike, manifest, { backend: 'wasm', sessionOptions: { executionProviders: ['wasm'] }, loadFile });
  try {
    const pipeline = createPipeline(runner, manifest, await loadNoiseConst(manifest, loadFile));
    const { image } = await pipeline.render(latentState({ seed: 7, psi: 0.7 }));
    return Float32Array.from(image.data);
  } finally {
    await runner.dispose();
  }
}

const target = { id: 'blended', name: 'Blended' };
let a: PackageSource;
let b: PackageSource;
let imgA: Float32Array;
let imgB: Float32Array;

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  a = readPackage('stylegan-tiny-noise');
  b = perturbedPackage(a);
  [imgA, imgB] = [await render(a), await render(b)];
});

function maxDiff(x: Float32Array, y: Float32Array): number {
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

describe('blendPackages', () => {
  it('at weight 0 renders parent A exactly, at 1 parent B exactly, and the parents differ', async () => {
    expect(maxDiff(imgA, imgB)).toBeGreaterThan(0.05);
    const at0 = await blendPackages(a, b, uniformWeights(a.manifest, 0), target);
    expect(await render(at0)).toEqual(imgA);
    expect(at0.files.get('synthesis.onnx')).toEqual(a.files.get('synthesis.onnx'));
    const at1 = await blendPackages(a, b, uniformWeights(a.manifest, 1), target);
    expect(await render(at1)).toEqual(imgB);
    expect(at1.manifest.w_avg).toEqual(b.manifest.w_avg);
  });

  it('at 0.5 makes every weight, side-file value and w_avg the average of the parents', async () => {
    const half = await blendPackages(a, b, uniformWeights(a.manifest, 0.5), target);
    let checked = 0;
    for (const spec of Object.values(a.manifest.graphs)) {
      const [ga, gb, gh] = [a, b, half].map((p) => readGraphWeights(p.files.get(spec.file)!, spec.file));
      gh!.initializers.forEach((init, i) => {
        if (init.dataType !== 1) return;
        const [va, vb, vh] = [floatValues(ga!.initializers[i]!), floatValues(gb!.initializers[i]!), floatValues(init)];
        vh.forEach((v, j) => expect(Math.abs(v - (va[j]! + vb[j]!) / 2)).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(v))));
        checked += vh.length;
      });
    }
    expect(checked).toBeGreaterThan(10000);
    for (const file of Object.values(a.manifest.side_files)) {
      const [xa, xb, xh] = [a, b, half].map((p) => parseNpz(p.files.get(file)!));
      for (const [key, v] of xh!) v.data.forEach((x, j) => expect(x).toBeCloseTo((xa!.get(key)!.data[j]! + xb!.get(key)!.data[j]!) / 2, 6));
    }
    half.manifest.w_avg.forEach((x, i) => expect(x).toBeCloseTo((a.manifest.w_avg[i]! + b.manifest.w_avg[i]!) / 2, 6));
    const img = await render(half);
    expect(maxDiff(img, imgA)).toBeGreaterThan(0.01);
    expect(maxDiff(img, imgB)).toBeGreaterThan(0.01);
  });

  it('computes every demodulation matrix again from the blended conv weight it belongs to', async () => {
    const half = await blendPackages(a, b, uniformWeights(a.manifest, 0.5), target);
    const g = readGraphWeights(half.files.get('synthesis.onnx')!, 'synthesis.onnx');
    const demods = demodConstants(g);
    expect(demods.length).toBe(7);
    for (const { constant, expected } of demods) floatValues(constant).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 3));
  });

  it('takes each synthesis block from the parent its weight names, and records the lineage', async () => {
    const rows = blendRows(a.manifest);
    expect(rows).toEqual([4, 8, 16, 32]);
    const weights: BlendWeights = { mapping: 0, synthesis: { 4: 1, 8: 0, 16: 0.25, 32: 0 } };
    const mixed = await blendPackages(a, b, weights, target);
    const [ga, gb, gm] = [a, b, mixed].map((p) => readGraphWeights(p.files.get('synthesis.onnx')!, 'synthesis.onnx'));
    const seen = new Set<number>();
    gm!.initializers.forEach((init, i) => {
      const [block, ...shared] = blocksOf(init);
      if (block === undefined || shared.length > 0 || init.dataType !== 1) return;
      seen.add(block);
      const t = weights.synthesis[block]!;
      const [va, vb, vm] = [floatValues(ga!.initializers[i]!), floatValues(gb!.initializers[i]!), floatValues(init)];
      if (t === 0) expect(vm).toEqual(va);
      else if (t === 1) expect(vm).toEqual(vb);
      else vm.forEach((v, j) => expect(v).toBeCloseTo(va[j]! + (vb[j]! - va[j]!) * 0.25, 5));
    });
    expect([...seen].sort((x, y) => x - y)).toEqual(rows);
    expect(mixed.files.get('mapping.onnx')).toEqual(a.files.get('mapping.onnx'));
    expect(mixed.manifest.lineage).toEqual({
      parents: [
        { id: a.manifest.id, name: a.manifest.name, synthesis_sha256: a.manifest.files['synthesis.onnx']!.sha256 },
        { id: 'fixture-b', name: 'Fixture B', synthesis_sha256: a.manifest.files['synthesis.onnx']!.sha256 },
      ],
      method: 'blend',
      weights,
    });
    const img = await render(mixed);
    expect(maxDiff(img, imgA)).toBeGreaterThan(0.01);
    expect(maxDiff(img, imgB)).toBeGreaterThan(0.01);
  });
});

describe('blendPackages and an encoder', () => {
  it('blends a parent that carries an encoder with one that has none, and gives the blend no encoder', async () => {
    // An encoder is trained on one parent's pictures: it must neither stop a blend nor ride along into it.
    const encoder = { file: 'encoder.onnx', inputs: ['img'], outputs: ['ws'] };
    const withEncoder: PackageSource = {
      manifest: { ...a.manifest, graphs: { ...a.manifest.graphs, encoder }, files: { ...a.manifest.files, 'encoder.onnx': { sha256: '0'.repeat(64), bytes: 1 } } },
      files: new Map([...a.files, ['encoder.onnx', new Uint8Array(1)]]),
    };
    const blended = await blendPackages(withEncoder, b, uniformWeights(a.manifest, 0.5), target);
    expect(withEncoder.manifest.graphs.encoder).toEqual(encoder);
    expect(blended.manifest.graphs.encoder).toBeUndefined();
    expect(Object.keys(blended.manifest.graphs).sort()).toEqual(['mapping', 'synthesis']);
    expect(blended.files.has('encoder.onnx')).toBe(false);
  });

  it("gives the blend no float16 twin: A's would draw A", async () => {
    const twin = { file: 'synthesis.fp16.onnx' };
    const withTwin: PackageSource = {
      manifest: { ...a.manifest, graphs: { ...a.manifest.graphs, synthesis: { ...a.manifest.graphs.synthesis!, fp16: twin } }, files: { ...a.manifest.files, 'synthesis.fp16.onnx': { sha256: '0'.repeat(64), bytes: 1 } } },
      files: new Map([...a.files, ['synthesis.fp16.onnx', new Uint8Array(1)]]),
    };
    const blended = await blendPackages(withTwin, b, uniformWeights(a.manifest, 0.5), target);
    expect(blended.manifest.graphs.synthesis).toEqual(a.manifest.graphs.synthesis);
    expect(blended.manifest.graphs.synthesis!.fp16).toBeUndefined();
    expect(blended.files.has('synthesis.fp16.onnx')).toBe(false);
  });
});

describe('blendPackages refuses', () => {
  it('an initializer whose shape differs, naming it and both shapes', async () => {
    const weights = readGraphWeights(b.files.get('synthesis.onnx')!, 'synthesis.onnx');
    const victim = weights.initializers.find((init) => init.name === 'synthesis.b16.conv1.weight')!;
    const [o, i, k1, k2] = victim.dims as [number, number, number, number];
    const reshaped = rewriteInitializers(weights, (init) => (init === victim ? encodeTensor(init.name, [o / 2, i, k1, k2], floatValues(init).subarray(0, (o / 2) * i * k1 * k2)) : undefined));
    const bad = { ...b, files: new Map(b.files).set('synthesis.onnx', reshaped) };
    await expect(blendPackages(a, bad, uniformWeights(a.manifest, 0.5), target)).rejects.toThrow(
      `synthesis.onnx initializer synthesis.b16.conv1.weight is [${o},${i},${k1},${k2}] in A and [${o / 2},${i},${k1},${k2}] in B`,
    );
  });

  it('different weights for blocks that share one constant, naming the blocks', async () => {
    const sharing = perturbedPackage(a, true);
    await expect(blendPackages(a, sharing, uniformWeights(a.manifest, 0.5), target)).resolves.toBeDefined();
    await expect(blendPackages(a, sharing, { mapping: 0, synthesis: { 4: 1, 8: 0, 16: 0, 32: 0 } }, target)).rejects.toThrow(/synthesis.onnx tensor \S+ is shared by the 4, 8, 16, 32 px blocks/);
  });

  it('another architecture, naming the field that differs', async () => {
    const other = readPackage('stylegan3-tiny');
    await expect(blendPackages(a, other, uniformWeights(a.manifest, 0.5), target)).rejects.toThrow(/the models differ in (resolution|z_dim|w_dim|num_ws|ws_resolutions): .* in A and .* in B/);
  });

  it('weights outside 0…1 or for blocks the model lacks', async () => {
    await expect(blendPackages(a, b, { mapping: 1.5, synthesis: uniformWeights(a.manifest, 0).synthesis }, target)).rejects.toThrow('the mapping weight must be between 0 and 1, not 1.5');
    await expect(blendPackages(a, b, { mapping: 0, synthesis: { ...uniformWeights(a.manifest, 0).synthesis, 64: 1 } }, target)).rejects.toThrow('the model has no 64-px block');
  });
});
