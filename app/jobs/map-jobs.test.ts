/**
 * The map's jobs for families without W (plain, conditional) and for conditional StyleGAN, against
 * a runner that records its feeds: what is fed is what numpy-compatible seeding and one-hot class
 * vectors say (the fixture-model runs are in main/inference/map-jobs.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Feeds, GraphRunner } from '../inference/runner';
import type { Manifest } from '../model/manifest';
import { seedToTruncatedZ, seedToZ } from '../latent';
import { runJobToEnd, type JobKind, type JobTypes } from './registry';
import { mapPointClass } from './map-jobs';
import type { Pipeline } from '../inference/render';

function recordingRunner(manifest: Pick<Manifest, 'z_dim' | 'num_ws' | 'w_dim' | 'resolution'>): GraphRunner & { calls: [string, Feeds][] } {
  const calls: [string, Feeds][] = [];
  return {
    backend: 'wasm',
    calls,
    async run(graph, feeds): Promise<Feeds> {
      calls.push([graph, feeds]);
      const n = feeds.z?.dims[0] ?? feeds.ws!.dims[0]!;
      if (graph === 'mapping') {
        // ws rows = the class index + 10·row, so the mean row is known.
        const c = feeds.c!.data;
        const cDim = feeds.c!.dims[1]!;
        const ws = new Float32Array(n * manifest.num_ws * manifest.w_dim);
        for (let b = 0; b < n; b++) {
          const cls = Array.from(c.subarray(b * cDim, (b + 1) * cDim)).indexOf(1);
          for (let r = 0; r < manifest.num_ws; r++) ws.fill(cls + 10 * r, (b * manifest.num_ws + r) * manifest.w_dim, (b * manifest.num_ws + r + 1) * manifest.w_dim);
        }
        return { ws: { data: ws, dims: [n, manifest.num_ws, manifest.w_dim] } };
      }
      const size = manifest.resolution;
      return { img: { data: new Float32Array(n * 3 * size * size), dims: [n, 3, size, size] } };
    },
    async dispose() {},
  };
}

const runJob = <K extends JobKind>(kind: K, params: JobTypes[K]['params'], manifest: Manifest, runner: GraphRunner) =>
  runJobToEnd(kind, params, { pipeline: {} as Pipeline, runner, manifest, now: () => 0, readFile: () => Promise.reject(new Error('these jobs read no package files')) });

const base = { resolution: 8, img_channels: 3, output_range: [-1, 1], class_names: [], w_avg: [], ws_resolutions: [] } as unknown as Manifest;

describe('map jobs without W', () => {
  it('samples a plain model’s points as the z of each seed', async () => {
    const manifest = { ...base, family: 'plain', z_dim: 6, w_dim: 0, num_ws: 0, c_dim: 0 } as Manifest;
    const runner = recordingRunner(manifest);
    const items = await runJob('map-sample', { count: 4, firstSeed: 7 }, manifest, runner);
    const samples = items.find((i) => i.phase === 'samples')!;
    if (samples.phase !== 'samples') throw new Error('no samples');
    expect(Array.from(samples.seeds)).toEqual([7, 8, 9, 10]);
    expect(Array.from(samples.vectors.subarray(6, 12))).toEqual(Array.from(seedToZ(8, 6)));
    expect(runner.calls).toEqual([]); // z needs no network
  });

  it('gives a conditional model’s points a class each and feeds the generator one-hot classes at ψ = 1', async () => {
    const manifest = { ...base, family: 'conditional', z_dim: 5, w_dim: 0, num_ws: 0, c_dim: 3, class_names: ['a', 'b', 'c'] } as Manifest;
    expect([0, 1, 2, 3, 4].map((seed) => mapPointClass(manifest, seed))).toEqual([0, 1, 2, 0, 1]);
    const sample = await runJob('map-sample', { count: 3, firstSeed: 4 }, manifest, recordingRunner(manifest));
    const first = sample[0]!;
    if (first.phase !== 'samples') throw new Error('no samples');
    expect(Array.from(first.classes)).toEqual([1, 2, 0]);
    // BigGAN's z at ψ = 1: the truncated normal itself.
    expect(Array.from(first.vectors.subarray(0, 5))).toEqual(Array.from(seedToTruncatedZ(4, 5, 1)));

    const runner = recordingRunner(manifest);
    await runJob('map-thumbnails', { points: [{ seed: 4, classIndex: 1 }, { seed: 9, classIndex: 2 }], size: 8 }, manifest, runner);
    const fed = runner.calls.map(([, feeds]) => feeds);
    const all = { c: fed.flatMap((f) => Array.from(f.c!.data)), truncation: fed.map((f) => f.truncation!.data[0]), z: fed.flatMap((f) => Array.from(f.z!.data)) };
    expect(all.c).toEqual([0, 1, 0, 0, 0, 1]);
    expect(all.truncation.every((t) => t === 1)).toBe(true);
    expect(all.z).toEqual([...seedToTruncatedZ(4, 5, 1), ...seedToTruncatedZ(9, 5, 1)]);
  });

  it('maps a conditional StyleGAN’s points with their classes and keeps the mean ws row', async () => {
    const manifest = { ...base, family: 'stylegan', z_dim: 4, w_dim: 2, num_ws: 3, c_dim: 4, class_names: ['a', 'b', 'c', 'd'] } as Manifest;
    const items = await runJob('map-sample', { count: 3, firstSeed: 2 }, manifest, recordingRunner(manifest));
    const first = items[0]!;
    if (first.phase !== 'samples') throw new Error('no samples');
    expect(Array.from(first.classes)).toEqual([2, 3, 0]);
    // Rows hold class + 0, +10, +20: the mean row is class + 10.
    expect(Array.from(first.vectors)).toEqual([12, 12, 13, 13, 10, 10]);
  });
});
