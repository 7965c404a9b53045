/**
 * The inversion job on the fixture model, run by onnxruntime-web (WASM) in Node exactly as the
 * worker runs it: a picture the model draws from a known ws (a seed's ws with a coarse-row edit,
 * so neither w_avg nor any seed) is recovered from w_avg within a fixed number of generations, to
 * a stated PSNR and far better than w_avg's; the search is deterministic given its seed, streams
 * its best so far, stops at its cap, and refuses what it cannot run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { openWasmPipeline } from './ort-web-node';
import type { Pipeline } from '../../app/inference/render';
import type { GraphRunner } from '../../app/inference/runner';
import type { Manifest } from '../../app/model/manifest';
import { asWPlus } from '../../app/latent';
import { tensorToRgba, type Rgba } from '../../app/inference/image';
import { rgbaToPlanar } from '../../app/inversion/loss';
import { runJobToEnd } from '../../app/jobs/registry';
import type { InvertParams } from '../../app/jobs/inversion-jobs';
import { psnr } from '../../bench/inversion-metrics';

const DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
/** Measured 2026-12-03: 23.8 dB after 100 generations (w_avg: 10.0 dB); the bar leaves a margin. */
const MIN_PSNR = 21;
const GENERATIONS = 100;

let manifest: Manifest;
let runner: GraphRunner;
let pipeline: Pipeline;
let target: Rgba;

beforeAll(async () => {
  ({ manifest, runner, pipeline } = await openWasmPipeline(DIR));
  const ws = Float32Array.from(await pipeline.mapSeed(1234));
  // The edit: +1.5 along a fixed unit vector on the coarse rows only, so the target is in W+.
  const direction = Float32Array.from({ length: manifest.w_dim }, (_, j) => Math.sin(j * 0.37 + 1));
  const norm = Math.hypot(...direction);
  for (let r = 0; r < 2; r++) for (let j = 0; j < manifest.w_dim; j++) ws[r * manifest.w_dim + j]! += (1.5 * direction[j]!) / norm;
  target = tensorToRgba(await pipeline.synthesize(asWPlus(ws, manifest.num_ws, manifest.w_dim)), manifest.output_range as [number, number]);
}, 60_000);
afterAll(async () => {
  await runner.dispose();
});

const params = (overrides: Partial<InvertParams> = {}): InvertParams => ({
  target: rgbaToPlanar(target, manifest.img_channels),
  useEncoder: true,
  budgetMs: 600_000,
  maxGenerations: GENERATIONS,
  seed: 5,
  ...overrides,
});
const invert = (p: InvertParams) => runJobToEnd('invert', p, { pipeline, runner, manifest, now: () => performance.now(), readFile: () => Promise.reject(new Error('the inversion job reads no package file')) });
const score = (image: Rgba) => psnr({ ...target, channels: 4 }, { ...image, channels: 4 });

describe('the inversion job (fixture, WASM)', () => {
  it(`recovers a picture drawn from a known W+ latent to ≥ ${MIN_PSNR} dB PSNR from w_avg in ${GENERATIONS} generations`, async () => {
    const items = await invert(params());
    const first = items[0]!;
    const last = items.at(-1)!;
    expect(first.start).toBe('w_avg'); // the fixture has no encoder
    expect(first.generation).toBe(0);
    expect(last.done).toBe('generations');
    expect(last.generation).toBe(GENERATIONS);
    expect(items).toHaveLength(GENERATIONS + 1);
    // The best so far never gets worse, and its picture is what its ws draws.
    for (let i = 1; i < items.length; i++) expect(items[i]!.loss).toBeLessThanOrEqual(items[i - 1]!.loss);
    const redrawn = tensorToRgba(await pipeline.synthesize(asWPlus(last.ws, manifest.num_ws, manifest.w_dim)), manifest.output_range as [number, number]);
    expect(Array.from(redrawn.data)).toEqual(Array.from(last.image.data));

    const start = score(first.image);
    const result = score(last.image);
    console.info(`inversion of the fixture: w_avg ${start.toFixed(2)} dB → ${result.toFixed(2)} dB after ${last.evaluations} syntheses`);
    expect(result).toBeGreaterThanOrEqual(MIN_PSNR);
    expect(result).toBeGreaterThan(start + 8);
  }, 300_000);

  it('is deterministic given its seed, and stops at its time budget', async () => {
    const a = await invert(params({ maxGenerations: 3 }));
    const b = await invert(params({ maxGenerations: 3 }));
    expect(Array.from(a.at(-1)!.ws)).toEqual(Array.from(b.at(-1)!.ws));
    const timed = await invert(params({ budgetMs: 1, maxGenerations: 1000 }));
    expect(timed.at(-1)!.done).toBe('budget');
    expect(timed.length).toBeLessThan(3);
  }, 120_000);

  it('refuses a target of the wrong size and a budget that is not positive', async () => {
    await expect(invert(params({ target: { size: 16, channels: 3, data: new Float32Array(3 * 16 * 16) } }))).rejects.toThrow(/the model draws 3×32×32/);
    await expect(invert(params({ budgetMs: 0 }))).rejects.toThrow(/time budget must be positive/);
  }, 60_000);
});
