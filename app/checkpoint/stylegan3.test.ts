import * as ort from 'onnxruntime-web';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpz } from '../codecs/npz';
import { readManifest } from '../../main/services/library';
import { loadSnapshotFixture, writePackageFolder } from '../../test-support/stylegan-snapshot';
import { PYTHON, python, pythonFileJson, pythonMissing } from '../../test-support/python';
import { CheckpointError, ConversionCancelled, type NetworkSnapshot, type StoredTensor } from './snapshot';
import { convertStyleGan3 } from './stylegan3';

ort.env.wasm.numThreads = 1;

const ROOT = path.resolve(__dirname, '../..');
const skip = pythonMissing('torch', 'onnx');
const TOLERANCE = 1e-4;

/** Small nets: 6 layers at 32 px still have ×2 and ×4 upsampling, critically sampled and radial layers; channel counts not multiples of 4 (T). */
const CONFIGS = [
  { name: 't', arch: 'stylegan3-t', resolution: 32, z_dim: 12, w_dim: 16, c_dim: 0, map_layers: 2, channel_base: 192, channel_max: 40, num_layers: 6, seed: 1, transform_input: true },
  { name: 't-cond', arch: 'stylegan3-t', resolution: 32, z_dim: 12, w_dim: 16, c_dim: 4, map_layers: 2, channel_base: 192, channel_max: 40, num_layers: 6, seed: 2, stored_rotation: 15 },
  { name: 'r-cond', arch: 'stylegan3-r', resolution: 32, z_dim: 12, w_dim: 16, c_dim: 5, map_layers: 3, channel_base: 384, channel_max: 48, num_layers: 6, seed: 3, transform_input: true, stored_rotation: 10 },
  { name: 'r', arch: 'stylegan3-r', resolution: 16, z_dim: 8, w_dim: 8, c_dim: 0, map_layers: 2, channel_base: 256, channel_max: 32, num_layers: 4, seed: 4 },
] as const;

interface Feed {
  dims: number[];
  data: number[];
}
interface VerifyCase {
  label?: string;
  seed: number;
  psi: number;
  z: number[];
  c?: number[];
  ws?: number[];
  ws_shape?: number[];
  img: number[];
  img_shape: number[];
  synthesis_feeds?: Record<string, Feed>;
}
interface VerifyDoc {
  synthesis_feeds: Record<string, Feed>;
  cases: VerifyCase[];
}

async function session(file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(new Uint8Array(readFileSync(file)), { executionProviders: ['wasm'] });
}

async function run(s: ort.InferenceSession, feeds: Record<string, { dims: readonly number[]; data: ArrayLike<number> }>, output: string): Promise<Float32Array> {
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor('float32', Float32Array.from(f.data), f.dims);
  const out = await s.run(tensors);
  return out[output]!.data as Float32Array;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const errors: string[] = [];

describe.skipIf(skip)('convertStyleGan3 against the Python exporter and PyTorch', () => {
  let fixtures: Record<string, string> = {};
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sg3-convert-'));

  beforeAll(() => {
    fixtures = pythonFileJson<Record<string, string>>(path.join(ROOT, 'test-support/stylegan3_snapshot.py'), tmp, JSON.stringify(CONFIGS));
  }, 600_000);

  afterAll(() => {
    if (errors.length) console.log(`StyleGAN3 converter, max abs errors:\n${errors.join('\n')}`);
  });

  for (const config of CONFIGS) {
    const transformInput = 'transform_input' in config && config.transform_input;
    it(`${config.name}: ws and images at psi 1 and 0.7${transformInput ? ', and with transforms fed' : ''}, within ${TOLERANCE} of PyTorch and of the Python path's ONNX`, async () => {
      const dir = fixtures[config.name]!;
      const started = performance.now();
      const pkg = await convertStyleGan3(loadSnapshotFixture(dir), { id: config.name, transformInput });
      const convertMs = performance.now() - started;
      const out = path.join(dir, 'typescript');
      await writePackageFolder(out, pkg);
      const manifest = await readManifest(out); // the studio's schema accepts it
      const doc = JSON.parse(readFileSync(path.join(dir, 'verify.json'), 'utf8')) as VerifyDoc;
      const [mapping, synthesis, pyMapping, pySynthesis] = await Promise.all([
        session(path.join(out, 'mapping.onnx')),
        session(path.join(out, 'synthesis.onnx')),
        session(path.join(dir, 'python/mapping.onnx')),
        session(path.join(dir, 'python/synthesis.onnx')),
      ]);
      const wAvg = manifest.w_avg!;
      let wsErr = 0;
      let imgErr = 0;
      let onnxErr = 0;
      let transformErr = 0;
      for (const c of doc.cases) {
        const feeds = { ...doc.synthesis_feeds, ...(c.synthesis_feeds ?? {}) };
        const wsFeed = { dims: c.ws_shape ?? doc.cases[0]!.ws_shape!, data: c.ws ?? doc.cases.find((k) => k.seed === c.seed && k.psi === c.psi && k.ws)!.ws! };
        if (c.ws) {
          const mapFeeds = { z: { dims: [1, c.z.length], data: c.z }, ...(c.c ? { c: { dims: [1, c.c.length], data: c.c } } : {}) };
          const ws1 = await run(mapping, mapFeeds, 'ws');
          expect(maxAbs(ws1, await run(pyMapping, mapFeeds, 'ws'))).toBeLessThan(1e-5);
          // The studio's truncation (DESIGN §3), all rows, with the manifest's w_avg.
          const ws = ws1.map((v, i) => wAvg[i % wAvg.length]! + c.psi * (v - wAvg[i % wAvg.length]!));
          wsErr = Math.max(wsErr, maxAbs(ws, c.ws));
        }
        const img = await run(synthesis, { ws: wsFeed, ...feeds }, 'img');
        const err = maxAbs(img, c.img);
        if (c.label) transformErr = Math.max(transformErr, err);
        else imgErr = Math.max(imgErr, err);
        onnxErr = Math.max(onnxErr, maxAbs(img, await run(pySynthesis, { ws: wsFeed, ...feeds }, 'img')));
      }
      errors.push(
        `  ${config.name} (${config.arch}, ${config.resolution} px, c_dim ${config.c_dim}${transformInput ? ', transform input' : ''}): ws ${wsErr.toExponential(2)}, img vs PyTorch ${imgErr.toExponential(2)}` +
          `${transformInput ? `, transformed img vs PyTorch ${transformErr.toExponential(2)}` : ''}, img vs Python ONNX ${onnxErr.toExponential(2)}; converted in ${convertMs.toFixed(0)} ms`,
      );
      expect(wsErr).toBeLessThan(1e-5);
      expect(imgErr).toBeLessThan(TOLERANCE);
      expect(transformErr).toBeLessThan(TOLERANCE);
      expect(onnxErr).toBeLessThan(TOLERANCE);
      if (transformInput) expect(doc.cases.filter((k) => k.label).length).toBe(2);
      await Promise.all([mapping, synthesis, pyMapping, pySynthesis].map((s) => s.release()));
    });

    it(`${config.name}: the manifest and style_affine.npz say what the Python exporter's say; the graphs pass its check_graphs`, async () => {
      const dir = fixtures[config.name]!;
      const out = path.join(dir, 'typescript');
      const ours = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      const theirs = JSON.parse(readFileSync(path.join(dir, 'python/manifest.json'), 'utf8')) as Record<string, unknown>;
      for (const key of ['family', 'resolution', 'img_channels', 'z_dim', 'w_dim', 'num_ws', 'c_dim', 'class_names', 'output_range', 'ws_resolutions', 'w_avg', 'graphs', 'side_files', 'transform_input']) {
        expect(ours[key], key).toEqual(theirs[key]);
      }
      const gen = ours.generator as Record<string, unknown>;
      const pyGen = theirs.generator as Record<string, unknown>;
      for (const key of ['architecture', 'init_kwargs', 'noise_mode', 'style_affine_layers']) expect(gen[key], `generator.${key}`).toEqual(pyGen[key]);
      const a = parseNpz(new Uint8Array(readFileSync(path.join(out, 'style_affine.npz'))));
      const b = parseNpz(new Uint8Array(readFileSync(path.join(dir, 'python/style_affine.npz'))));
      expect([...a.keys()]).toEqual([...b.keys()]);
      for (const [key, arr] of a) {
        expect(arr.shape, key).toEqual(b.get(key)!.shape);
        expect(maxAbs(arr.data, b.get(key)!.data), key).toBeLessThan(1e-6);
      }
      const check = `import json, sys; sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'models/tools'))})
import export_stylegan as E
d = sys.argv[1]; E.check_graphs(d, json.load(open(d + '/manifest.json')))`;
      expect(() => python(check, out)).not.toThrow();
    });
  }

  describe('refusals name what was found and the Python fallback', () => {
    const base = (): NetworkSnapshot => loadSnapshotFixture(fixtures.r!);
    const withTensors = (s: NetworkSnapshot, edit: (m: Map<string, StoredTensor>) => void): NetworkSnapshot => {
      const tensors = new Map(s.tensors);
      edit(tensors);
      return { ...s, tensors };
    };
    const refused = async (s: NetworkSnapshot, pattern: RegExp): Promise<void> => {
      const error = await convertStyleGan3(s).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).toMatch(/models\/tools\/export_stylegan\.py/);
    };

    it('a missing tensor', async () => {
      await refused(withTensors(base(), (m) => m.delete('synthesis.L1_36_32.down_filter')), /no tensor synthesis\.L1_36_32\.down_filter/);
    });

    it('a tensor of another shape (a 3×3 kernel where config R has 1×1)', async () => {
      const s = withTensors(base(), (m) => m.set('synthesis.L0_36_32.weight', { shape: [32, 32, 3, 3], dtype: 'float32', data: new Float32Array(32 * 32 * 9) }));
      await refused(s, /synthesis\.L0_36_32\.weight has shape \[32, 32, 3, 3\].*imply \[32, 32, 1, 1\]/);
    });

    it('a tensor the architecture does not have', async () => {
      await refused(withTensors(base(), (m) => m.set('synthesis.L0_36_32.noise_const', { shape: [36, 36], dtype: 'float32', data: new Float32Array(36 * 36) })), /does not have: synthesis\.L0_36_32\.noise_const/);
    });

    it('a constructor argument the official code does not take', async () => {
      const s = base();
      await refused({ ...s, initKwargs: { ...s.initKwargs, use_noise: true } }, /does not take: use_noise/);
    });

    it('constructor arguments recorded positionally or by keyword read the same; too many, or none for z_dim, are refused', async () => {
      const s = base();
      const names = ['z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels'];
      const named: Record<string, unknown> = { ...Object.fromEntries(s.initArgs.map((v, i) => [names[i], v])), ...s.initKwargs };
      const others = Object.fromEntries(Object.entries(named).filter(([k]) => !names.includes(k)));
      const positional = names.map((k) => named[k]);
      const dims = (p: { manifest: Record<string, unknown> }): unknown[] => ['z_dim', 'c_dim', 'w_dim', 'resolution', 'img_channels'].map((k) => p.manifest[k]);
      expect(dims(await convertStyleGan3({ ...s, initArgs: [], initKwargs: named }))).toEqual(positional);
      expect(dims(await convertStyleGan3({ ...s, initArgs: positional, initKwargs: others }))).toEqual(positional);
      await refused({ ...s, initArgs: [...positional, {}, 1], initKwargs: others }, /7 positional arguments; a StyleGAN Generator takes at most 6/);
      const { z_dim: _z, ...withoutZ } = named;
      await refused({ ...s, initArgs: [], initKwargs: withoutZ }, /records no z_dim among its constructor arguments/);
    });

    it('a negative conv_clamp, which filtered_lrelu does not take', async () => {
      const s = base();
      await refused({ ...s, initKwargs: { ...s.initKwargs, conv_clamp: -1 } }, /conv_clamp is -1 \(filtered_lrelu takes None or a clamp ≥ 0\)/);
    });

    it('a recorded module attribute that disagrees with the constructor arguments', async () => {
      const s = base();
      const modules = new Map(s.modules);
      const layer = modules.get('synthesis.L1_36_32')!;
      modules.set(layer.path, { ...layer, attributes: { ...layer.attributes, conv_clamp: 128 } });
      await refused({ ...s, modules }, /synthesis\.L1_36_32 records conv_clamp = 128 in the checkpoint, but the constructor arguments give 256/);
    });

    it('a network that is not a Generator, and a StyleGAN2 generator', async () => {
      await refused({ ...base(), className: 'Discriminator' }, /is a Discriminator/);
      await refused(withTensors(base(), (m) => m.delete('synthesis.input.freqs')), /no Fourier-feature input/);
    });
  });

  it('reports progress up to 1 and stops with ConversionCancelled when asked', async () => {
    const seen: number[] = [];
    await convertStyleGan3(loadSnapshotFixture(fixtures.r!), { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    let calls = 0;
    await expect(convertStyleGan3(loadSnapshotFixture(fixtures.r!), { cancelled: () => ++calls > 3 })).rejects.toBeInstanceOf(ConversionCancelled);
  });
});

if (skip) it.skip(`StyleGAN3 converter comparisons need ${PYTHON} with torch and onnx: ${skip}`, () => {});
