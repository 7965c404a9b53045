/**
 * The latent map's jobs on the fixture model, run by onnxruntime-web (WASM) in Node exactly as the
 * worker runs them. Batched sampling and thumbnails are checked against the one-latent pipeline
 * (mapSeed, render), and the current latent's vector — the one the preview's frames carry — lands
 * on its seed's point under the same basis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { openWasmPipeline } from './ort-web-node';
import type { Pipeline } from '../../app/inference/render';
import { runJobToEnd, type JobItem, type JobKind, type JobTypes } from '../../app/jobs/registry';
import { downsample, mapVector, meanRow, type MapSampleItem } from '../../app/jobs/map-jobs';
import { latentState } from '../../app/state/latent-state';
import { DEFAULT_TIMELINE } from '../../app/state/timeline';
import { project, type Pca } from '../../app/latent/pca';
import { tensorToRgba } from '../../app/inference/image';
import type { GraphRunner } from '../../app/inference/runner';
import type { Manifest } from '../../app/model/manifest';

const DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');

let manifest: Manifest;
let runner: GraphRunner;
let pipeline: Pipeline;

beforeAll(async () => {
  ({ manifest, runner, pipeline } = await openWasmPipeline(DIR));
});
afterAll(async () => {
  await runner.dispose();
});

const runJob = <K extends JobKind>(kind: K, params: JobTypes[K]['params']) => runJobToEnd(kind, params, { pipeline, runner, manifest, now: () => performance.now(), readFile: () => Promise.reject(new Error('these jobs read no package files')) });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('map-sample', () => {
  const count = 600;
  let items: MapSampleItem[];
  let vectors: Float32Array;
  let coords: Float32Array;
  let basis: Pca;

  beforeAll(async () => {
    items = await runJob('map-sample', { count, firstSeed: 10 });
    vectors = new Float32Array(count * manifest.w_dim);
    for (const item of items) if (item.phase === 'samples') vectors.set(item.vectors, item.offset * item.dim);
    basis = items.find((i): i is Extract<MapSampleItem, { phase: 'basis' }> => i.phase === 'basis')!.basis;
    coords = new Float32Array(count * (basis.components.length / basis.dim));
    for (const item of items) if (item.phase === 'coords') coords.set(item.coords, item.offset * item.k);
  });

  it('streams sample chunks, one basis, then coordinate chunks, covering every point once', () => {
    const phases = items.map((i) => i.phase);
    expect(phases.indexOf('basis')).toBe(phases.lastIndexOf('basis'));
    expect(phases.lastIndexOf('samples')).toBeLessThan(phases.indexOf('basis'));
    expect(phases.indexOf('coords')).toBeGreaterThan(phases.indexOf('basis'));
    const seeds = items.flatMap((i) => (i.phase === 'samples' ? Array.from(i.seeds) : []));
    expect(seeds).toEqual(Array.from({ length: count }, (_, i) => 10 + i));
    expect(items.filter((i) => i.phase === 'samples').length).toBeGreaterThan(1);
    // Unconditional: no classes.
    expect(items.every((i) => i.phase !== 'samples' || i.classes.every((c) => c === -1))).toBe(true);
    // The fixture has w_dim 64: 32 components are kept.
    expect(basis.components.length / basis.dim).toBe(32);
  });

  it('samples each seed’s untruncated w, as the one-seed mapping gives it', async () => {
    for (const seed of [10, 11, 300, 609]) {
      const expected = meanRow(await pipeline.mapSeed(seed));
      const row = vectors.subarray((seed - 10) * manifest.w_dim, (seed - 9) * manifest.w_dim);
      expect(maxAbsDiff(row, expected)).toBeLessThan(1e-5);
    }
  });

  it('gives each point the PCA coordinates of its w, and the current latent of a seed lands on its point', async () => {
    for (const seed of [10, 123, 609]) {
      const i = seed - 10;
      const own = project(basis, vectors.subarray(i * manifest.w_dim, (i + 1) * manifest.w_dim));
      expect(maxAbsDiff(coords.subarray(i * 32, i * 32 + 32), own)).toBeLessThan(1e-4);
      // The preview's frame of that seed at ψ = 1 carries the vector the map places the current latent by.
      const frame = await pipeline.render(latentState({ seed }));
      const current = project(basis, mapVector(frame));
      expect(maxAbsDiff(current.subarray(0, 3), coords.subarray(i * 32, i * 32 + 3))).toBeLessThan(1e-4);
    }
  });

  it('moves the current latent toward the mean as ψ drops, along the same basis', async () => {
    const at = (psi: number) => pipeline.render(latentState({ seed: 123, psi })).then((f) => project(basis, mapVector(f)));
    const full = await at(1);
    const half = await at(0.5);
    // Truncation is linear toward w_avg: halfway in W is halfway in every PCA coordinate.
    const avg = project(basis, Float32Array.from(manifest.w_avg));
    for (let k = 0; k < 3; k++) expect(half[k]).toBeCloseTo((full[k]! + avg[k]!) / 2, 4);
  });

  it('refuses a count outside 3 … 20,000 in its first step', async () => {
    await expect(runJob('map-sample', { count: 2, firstSeed: 0 })).rejects.toThrow(/3 to 20000 points/);
    await expect(runJob('map-sample', { count: 20_001, firstSeed: 0 })).rejects.toThrow(/not 20001/);
  });
});

describe('map-thumbnails', () => {
  it('renders points in batches, each equal to the one-latent render of its seed', async () => {
    const points = [5, 6, 7, 8, 9, 40].map((seed) => ({ seed, classIndex: -1 }));
    const items = await runJob('map-thumbnails', { points, size: manifest.resolution });
    expect(items.map((i) => i.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const { index, image } of items) {
      const { image: tensor } = await pipeline.render(latentState({ seed: points[index]!.seed }));
      const expected = tensorToRgba(tensor, manifest.output_range);
      expect(image.width).toBe(32);
      // Batched and single runs may round differently by a level.
      expect(maxAbsDiff(image.data, expected.data)).toBeLessThanOrEqual(1);
    }
  });

  it('downsamples by whole factors as a box filter', async () => {
    const items = await runJob('map-thumbnails', { points: [{ seed: 3, classIndex: -1 }], size: 16 });
    expect(items[0]!.image.width).toBe(16);
    const big = tensorToRgba((await pipeline.render(latentState({ seed: 3 }))).image, manifest.output_range);
    const mean = (big.data[0]! + big.data[4]! + big.data[32 * 4]! + big.data[33 * 4]!) / 4;
    expect(Math.abs(items[0]!.image.data[0]! - mean)).toBeLessThanOrEqual(1);
    await expect(runJob('map-thumbnails', { points: [{ seed: 3, classIndex: -1 }], size: 64 })).rejects.toThrow(/1 to 32 px/);
  });
});

describe('downsample', () => {
  it('averages 2×2 blocks', () => {
    const data = Uint8ClampedArray.from([0, 0, 0, 255, 4, 8, 12, 255, 8, 16, 24, 255, 12, 24, 36, 255]);
    const out = downsample({ width: 2, height: 2, data }, 1);
    expect(Array.from(out.data)).toEqual([6, 12, 18, 255]);
  });
});

describe('map-path', () => {
  it('gives keyframe vectors equal to their states’ ws mean rows, then a path through them', async () => {
    const keyframes = [3, 8, 21].map((seed, i) => ({ id: `k${i}`, state: latentState({ seed, psi: 0.7 }), duration: 1, easing: 'linear' as const }));
    const timeline = { ...DEFAULT_TIMELINE, keyframes, fps: 10, interpolation: 'w-linear' as const, loop: 'none' as const };
    const items = await runJob('map-path', { timeline, samples: 11 });
    expect(items.map((i) => i.kind)).toEqual(['keyframes', 'path']);
    const [keys, path] = items as [JobItem<'map-path'>, JobItem<'map-path'>];
    for (const [i, k] of keyframes.entries()) {
      const expected = meanRow(await pipeline.resolveWs(k.state));
      expect(maxAbsDiff(keys.vectors.subarray(i * 64, (i + 1) * 64), expected)).toBeLessThan(1e-6);
    }
    // 21 frames sampled 11 times: frames 0, 2, …, 20; frame 10 is keyframe 1, frame 20 keyframe 2.
    expect(path.rows).toBe(11);
    expect(maxAbsDiff(path.vectors.subarray(5 * 64, 6 * 64), keys.vectors.subarray(64, 128))).toBeLessThan(1e-5);
    expect(maxAbsDiff(path.vectors.subarray(10 * 64, 11 * 64), keys.vectors.subarray(128, 192))).toBeLessThan(1e-5);
  });

  it('draws the keyframes of a timeline that cannot play yet, without a path', async () => {
    const keyframes = [{ id: 'a', state: latentState({ seed: 1 }), duration: 0, easing: 'linear' as const }, { id: 'b', state: latentState({ seed: 2 }), duration: 1, easing: 'linear' as const }];
    const items = await runJob('map-path', { timeline: { ...DEFAULT_TIMELINE, keyframes }, samples: 10 });
    expect(items.map((i) => i.kind)).toEqual(['keyframes']);
  });
});
