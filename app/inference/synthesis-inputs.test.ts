/**
 * The synthesis inputs without a runtime: the transform matrix against the one PyTorch was fed
 * (models/fixtures/stylegan3-tiny/reference.json, made by make_input_fixtures.py with the
 * exporter's visualizer_transform), numpy-exact random noise, the noise feeds per mode and
 * strength, the const-noise loader's errors, and the state fields' neutral defaults.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest, type Manifest } from '../model/manifest';
import { writeNpz } from '../codecs/npz';
import { latentStateSchema } from '../state/schemas';
import { DEFAULT_STATE, latentState, stateKey } from '../state/latent-state';
import { synthesisBetween } from './timeline-frames';
import { createSynthesisInputs, DEFAULT_SYNTHESIS, loadNoiseConst, randomNoise, SynthesisInputError, transformMatrix } from './synthesis-inputs';

const FIXTURES = path.resolve(__dirname, '../../models/fixtures');
const read = (dir: string, file: string) => readFileSync(path.join(FIXTURES, dir, file));
const noiseManifest = parseManifest(JSON.parse(read('stylegan-tiny-noise', 'manifest.json').toString('utf8')));
const sg3Manifest = parseManifest(JSON.parse(read('stylegan3-tiny', 'manifest.json').toString('utf8')));
const plainManifest = parseManifest(JSON.parse(read('stylegan-tiny', 'manifest.json').toString('utf8')));
const loadNoise = (m: Manifest) => loadNoiseConst(m, async (file) => new Uint8Array(read('stylegan-tiny-noise', file)));

interface TransformCase {
  transform: { x: number; y: number; angle: number };
  matrix: number[];
}
const sg3Reference = JSON.parse(read('stylegan3-tiny', 'reference.json').toString('utf8')) as { cases: TransformCase[] };

const PYTHON = '/usr/bin/python3';
const numpyMissing = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status !== 0;

describe('transformMatrix', () => {
  it('feeds the stored matrix for no transform', () => {
    expect(Array.from(transformMatrix(sg3Manifest.transform_input!.default, { x: 0, y: 0, angle: 0 }))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const stored = [
      [2, 0, 0.5],
      [0, 2, -0.25],
      [0, 0, 1],
    ];
    expect(Array.from(transformMatrix(stored, { x: 0, y: 0, angle: 0 }))).toEqual([2, 0, 0.5, 0, 2, -0.25, 0, 0, 1]);
  });

  it('is the matrix PyTorch was fed: default · inv(make_transform(x, y, angle))', () => {
    expect(sg3Reference.cases.length).toBeGreaterThanOrEqual(3);
    for (const c of sg3Reference.cases) {
      const ours = Array.from(transformMatrix(sg3Manifest.transform_input!.default, c.transform));
      ours.forEach((v, i) => expect(v, `${JSON.stringify(c.transform)}[${i}]`).toBeCloseTo(c.matrix[i]!, 6));
    }
  });
});

describe('noise feeds', () => {
  it.skipIf(numpyMissing)('draws random noise as numpy: one RandomState, randn(1, 1, r, r) per input in manifest order', () => {
    const sizes = noiseManifest.noise_inputs!.map((n) => n.resolution);
    const script =
      'import numpy as np, sys, json\nrng = np.random.RandomState(int(sys.argv[1]))\n' +
      'print(json.dumps([rng.randn(1, 1, r, r).astype(np.float32).flatten().tolist() for r in map(int, sys.argv[2:])]))';
    const result = spawnSync(PYTHON, ['-c', script, '123', ...sizes.map(String)], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const expected = JSON.parse(result.stdout) as number[][];
    const ours = randomNoise(noiseManifest, 123);
    noiseManifest.noise_inputs!.forEach((n, i) => expect(Array.from(ours.get(n.name)!)).toEqual(expected[i]));
  });

  it('feeds const, none and random noise, each × strength, and nothing to packages without inputs', async () => {
    const consts = (await loadNoise(noiseManifest))!;
    const inputs = createSynthesisInputs(noiseManifest, consts);
    const names = noiseManifest.noise_inputs!.map((n) => n.name);
    const at = (noise: Partial<typeof DEFAULT_SYNTHESIS.noise>) => inputs.feeds({ ...DEFAULT_SYNTHESIS, noise: { ...DEFAULT_SYNTHESIS.noise, ...noise } });

    const constant = at({});
    expect(Object.keys(constant)).toEqual(names);
    for (const n of noiseManifest.noise_inputs!) {
      expect(constant[n.name]!.dims).toEqual([1, 1, n.resolution, n.resolution]);
      expect(constant[n.name]!.data).toEqual(consts.get(n.name));
    }
    const half = at({ strength: 0.5 });
    for (const name of names) expect(Array.from(half[name]!.data)).toEqual(Array.from(consts.get(name)!, (v) => v / 2));
    for (const name of names) expect(at({ mode: 'none' })[name]!.data.every((v) => v === 0)).toBe(true);

    const random = at({ mode: 'random', seed: 7 });
    expect(at({ mode: 'random', seed: 7 })[names[0]!]!.data).toEqual(random[names[0]!]!.data);
    expect(at({ mode: 'random', seed: 8 })[names[0]!]!.data).not.toEqual(random[names[0]!]!.data);
    expect(random[names[0]!]!.data).not.toEqual(constant[names[0]!]!.data);
    const double = at({ mode: 'random', seed: 7, strength: 2 });
    for (const name of names) expect(Array.from(double[name]!.data)).toEqual(Array.from(random[name]!.data, (v) => v * 2));

    expect(createSynthesisInputs(plainManifest, null).feeds(DEFAULT_SYNTHESIS)).toEqual({});
    expect(Object.keys(createSynthesisInputs(sg3Manifest, null).feeds(DEFAULT_SYNTHESIS))).toEqual(['transform']);
  });

  it('refuses a package whose const noise is missing or misshapen, naming the input', async () => {
    expect(() => createSynthesisInputs(noiseManifest, null)).toThrow(SynthesisInputError);
    const first = noiseManifest.noise_inputs![0]!;
    const missing = writeNpz({ other: { data: new Float32Array(1), shape: [1] } });
    await expect(loadNoiseConst(noiseManifest, async () => missing)).rejects.toThrow(new RegExp(`noise_const\\.npz has no array "${first.name}"`));
    const r = first.resolution;
    const flat = writeNpz({ [first.name]: { data: new Float32Array(r * r), shape: [r * r] } });
    await expect(loadNoiseConst(noiseManifest, async () => flat)).rejects.toThrow(/expected \[1, 1, 4, 4\]; re-export/);
    await expect(loadNoiseConst(noiseManifest, async () => Uint8Array.of(1, 2, 3))).rejects.toThrow(/noise_const\.npz is unreadable/);
    expect(await loadNoiseConst(plainManifest, async () => missing)).toBeNull();
  });
});

describe('state defaults', () => {
  it('leaves the keys of states with default noise and transform as they were', () => {
    expect(stateKey('m', latentState({ seed: 3, psi: 0.5 }))).toBe('m|3|0.5|all');
    expect(stateKey('m', latentState({ seed: 3, noise: { mode: 'random', seed: 9, strength: 1 } }))).toBe('m|3|1|all|noise=random:9:1');
    expect(stateKey('m', latentState({ transform: { x: 0.25, y: 0, angle: 10 } }))).toBe('m|0|1|all|transform=0.25,0,10');
  });

  it('reads states written before noise and transform existed with the neutral defaults', () => {
    const old = { seed: 4, psi: 0.7, cutoff: null, mix: [], edits: [], classes: [] };
    const parsed = latentStateSchema.parse(old);
    expect(parsed.noise).toEqual({ mode: 'const', seed: 0, strength: 1 });
    expect(parsed.transform).toEqual({ x: 0, y: 0, angle: 0 });
    expect(DEFAULT_STATE.noise).toEqual(parsed.noise);
    expect(() => latentStateSchema.parse({ ...old, noise: { mode: 'loud', seed: 0, strength: 1 } })).toThrow();
  });

  it('holds noise and moves the transform linearly between keyframes', () => {
    const a = latentState({ noise: { mode: 'random', seed: 1, strength: 1 }, transform: { x: 0, y: 1, angle: -90 } });
    const b = latentState({ noise: { mode: 'none', seed: 0, strength: 1 }, transform: { x: 1, y: 0, angle: 90 } });
    expect(synthesisBetween(a, b, 0.25)).toEqual({ noise: a.noise, transform: { x: 0.25, y: 0.75, angle: -45 } });
  });
});
