/**
 * Noise and StyleGAN3 transform inputs through the studio's pipeline on onnxruntime-web (WASM) in
 * Node, against the PyTorch outputs make_input_fixtures.py stored beside the two fixtures
 * (reference.json): const noise at strength 1 gives the graph's built-in const-noise picture, none
 * and random noise give PyTorch's pictures for the same feeds, strength scales, and the transform
 * for (0, 0, 0) gives the stored picture while a translation and a rotation give PyTorch's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openWasmPipeline } from './ort-web-node';
import type { Pipeline } from '../../app/inference/render';
import { latentState, type InputTransform, type LatentState, type NoiseSettings } from '../../app/state/latent-state';
import { TimelineEvaluator } from '../../app/inference/timeline-frames';
import { MAP_JOB_HANDLERS, type MapThumbnailItem } from '../../app/jobs/map-jobs';
import { tensorToRgba } from '../../app/inference/image';
import type { GraphRunner, Tensor } from '../../app/inference/runner';
import type { Manifest } from '../../app/model/manifest';

const FIXTURES = path.resolve(__dirname, '../../models/fixtures');

interface ReferenceCase {
  label: string;
  seed: number;
  psi: number;
  noise?: NoiseSettings;
  transform?: InputTransform;
  img_mean: number;
  pixels: { c: number; y: number; x: number; value: number }[];
}
interface Reference {
  tolerance: number;
  cases: ReferenceCase[];
}

interface Loaded {
  manifest: Manifest;
  runner: GraphRunner;
  pipeline: Pipeline;
  reference: Reference;
}

async function load(folder: string): Promise<Loaded> {
  const dir = path.join(FIXTURES, folder);
  const reference = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
  return { ...(await openWasmPipeline(dir)), reference };
}

function expectMatches(image: Tensor, c: ReferenceCase, tolerance: number): void {
  const res = image.dims[3]!;
  for (const p of c.pixels) expect(image.data[(p.c * res + p.y) * res + p.x], `${c.label} pixel ${p.c},${p.y},${p.x}`).toBeCloseTo(p.value, 4);
  const mean = image.data.reduce((a, b) => a + b, 0) / image.data.length;
  expect(Math.abs(mean - c.img_mean), `${c.label} mean`).toBeLessThan(tolerance);
}

function maxDiff(a: Tensor, b: Tensor): number {
  return a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
}

let noise: Loaded;
let sg3: Loaded;

beforeAll(async () => {
  noise = await load('stylegan-tiny-noise');
  sg3 = await load('stylegan3-tiny');
});
afterAll(async () => {
  await noise.runner.dispose();
  await sg3.runner.dispose();
});

describe('noise inputs (fixture-stylegan-tiny-noise)', () => {
  const state = (n: NoiseSettings): LatentState => latentState({ seed: 0, noise: n });

  it('const at strength 1 gives the graph’s built-in const-noise picture', async () => {
    const builtin = noise.reference.cases.find((c) => c.label === 'built-in const noise')!;
    const { image } = await noise.pipeline.render(latentState({ seed: 0 }));
    expectMatches(image, builtin, noise.reference.tolerance);
  });

  it('gives PyTorch’s picture for every mode, seed and strength', async () => {
    const cases = noise.reference.cases.filter((c) => c.noise);
    expect(cases.map((c) => c.noise!.mode)).toEqual(['const', 'none', 'random', 'random', 'const', 'random']);
    for (const c of cases) expectMatches((await noise.pipeline.render(state(c.noise!))).image, c, noise.reference.tolerance);
  });

  it('none differs from const, random is the same per seed and differs between seeds, strength scales', async () => {
    const render = async (n: NoiseSettings) => (await noise.pipeline.render(state(n))).image;
    const constant = await render({ mode: 'const', seed: 0, strength: 1 });
    expect(maxDiff(await render({ mode: 'none', seed: 0, strength: 1 }), constant)).toBeGreaterThan(0.05);
    const r5 = await render({ mode: 'random', seed: 5, strength: 1 });
    await render({ mode: 'const', seed: 0, strength: 1 }); // between the two, so no cache can answer
    expect((await render({ mode: 'random', seed: 5, strength: 1 })).data).toEqual(r5.data);
    expect(maxDiff(await render({ mode: 'random', seed: 6, strength: 1 }), r5)).toBeGreaterThan(0.05);
    // Zero strength is no noise, whatever the mode.
    expect((await render({ mode: 'random', seed: 5, strength: 0 })).data).toEqual((await render({ mode: 'none', seed: 0, strength: 1 })).data);
  });

  it('renders timeline frames with the same noise as the preview', async () => {
    const n: NoiseSettings = { mode: 'random', seed: 11, strength: 1 };
    const key = state(n);
    const timeline = { keyframes: [{ id: 'a', state: key, duration: 1, easing: 'linear' as const }, { id: 'b', state: { ...key, seed: 4 }, duration: 1, easing: 'linear' as const }], fps: 2, interpolation: 'w-linear' as const, loop: 'none' as const };
    const frame = await new TimelineEvaluator(noise.pipeline, noise.manifest, timeline).frame(0);
    expect(frame.data).toEqual((await noise.pipeline.render(key)).image.data);
  });
});

describe('batched synthesis (the latent map’s thumbnails)', () => {
  it('feeds the stored noise and transform, as the preview’s default state shows them', async () => {
    for (const loaded of [noise, sg3]) {
      const items: MapThumbnailItem[] = [];
      const context = { pipeline: loaded.pipeline, runner: loaded.runner, manifest: loaded.manifest, now: () => performance.now(), readFile: () => Promise.reject(new Error('these jobs read no package files')) };
      for (const step of MAP_JOB_HANDLERS['map-thumbnails']({ points: [2, 3].map((seed) => ({ seed, classIndex: -1 })), size: 32 }, context, (item) => items.push(item))) await step();
      expect(items).toHaveLength(2);
      const expected = tensorToRgba((await loaded.pipeline.render(latentState({ seed: 3 }))).image, loaded.manifest.output_range);
      const got = items.find((i) => i.index === 1)!.image.data;
      expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.data[i]!)), 0), loaded.manifest.id).toBeLessThanOrEqual(1);
    }
  });
});

describe('transform input (fixture-stylegan3-tiny)', () => {
  const at = (transform: InputTransform) => latentState({ seed: 0, transform });

  it('gives the stored picture for (0, 0, 0) and PyTorch’s picture for a translation and a rotation', async () => {
    const [still, ...moved] = sg3.reference.cases;
    expect(still!.transform).toEqual({ x: 0, y: 0, angle: 0 });
    const stored = (await sg3.pipeline.render(latentState({ seed: 0 }))).image;
    expectMatches(stored, still!, sg3.reference.tolerance);
    expect(moved.length).toBeGreaterThanOrEqual(2);
    for (const c of moved) {
      const image = (await sg3.pipeline.render(at(c.transform!))).image;
      expectMatches(image, c, sg3.reference.tolerance);
      expect(maxDiff(image, stored), c.label).toBeGreaterThan(0.05);
    }
  });
});
