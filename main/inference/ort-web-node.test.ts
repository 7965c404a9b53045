/**
 * The fixture model run by onnxruntime-web (WASM) in Node through the studio's own pipeline:
 * output shape and range, seeds that differ, and agreement with the PyTorch forward pass that
 * produced the fixture (models/fixtures/stylegan-tiny/reference.json, written by make_fixture.py).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openWasmPipeline } from './ort-web-node';
import type { Pipeline } from '../../app/inference/render';
import type { GraphRunner } from '../../app/inference/runner';
import type { Manifest } from '../../app/model/manifest';
import { ShapeError } from '../../app/inference/feeds';
import { latentState } from '../../app/state/latent-state';

const DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');

interface ReferenceCase {
  seed: number;
  psi: number;
  z_head: number[];
  ws_row0_head: number[];
  img_min: number;
  img_max: number;
  img_mean: number;
  pixels: { c: number; y: number; x: number; value: number }[];
}
const reference = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as {
  tolerance: number;
  cases: ReferenceCase[];
};

let manifest: Manifest;
let runner: GraphRunner;
let pipeline: Pipeline;

beforeAll(async () => {
  ({ manifest, runner, pipeline } = await openWasmPipeline(DIR));
});
afterAll(() => runner.dispose());

describe('fixture on onnxruntime-web WASM in Node', () => {
  it('renders [1, 3, 32, 32] images in a plausible range', async () => {
    const { image, ws } = await pipeline.render(latentState({ seed: 0, psi: 1, cutoff: null }));
    expect(image.dims).toEqual([1, 3, 32, 32]);
    expect(ws?.length).toBe(manifest.num_ws * manifest.w_dim);
    const values = Array.from(image.data);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(Math.min(...values)).toBeGreaterThan(-4);
    expect(Math.max(...values)).toBeLessThan(4);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.5); // not a flat image
  });

  it('gives different images for different seeds', async () => {
    const a = (await pipeline.render(latentState({ seed: 1, psi: 1, cutoff: null }))).image.data;
    const b = (await pipeline.render(latentState({ seed: 2, psi: 1, cutoff: null }))).image.data;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i]! - b[i]!);
    expect(diff / a.length).toBeGreaterThan(0.05);
  });

  it.each(reference.cases.map((c) => [c.seed, c.psi, c] as const))('matches PyTorch for seed %i, ψ %f', async (seed, psi, ref) => {
    const { image, z, ws } = await pipeline.render(latentState({ seed, psi }));
    ref.z_head.forEach((v, i) => expect(z[i]).toBeCloseTo(v, 6));
    ref.ws_row0_head.forEach((v, i) => expect(Math.abs(ws![i]! - v)).toBeLessThan(reference.tolerance));
    const [, , h, w] = image.dims as [number, number, number, number];
    for (const p of ref.pixels) {
      expect(Math.abs(image.data[p.c * h * w + p.y * w + p.x]! - p.value)).toBeLessThan(reference.tolerance);
    }
    const values = Array.from(image.data);
    expect(Math.abs(Math.min(...values) - ref.img_min)).toBeLessThan(reference.tolerance);
    expect(Math.abs(Math.max(...values) - ref.img_max)).toBeLessThan(reference.tolerance);
  });

  it('mixes after truncation: chosen rows come from the source, every other row from the main latent', async () => {
    const psi = 0.7;
    const main = await pipeline.resolveWs(latentState({ seed: 3, psi }));
    const source = await pipeline.resolveWs(latentState({ seed: 9, psi }));
    const mixed = await pipeline.resolveWs(latentState({ seed: 3, psi, mix: [{ seed: 9, rows: [1, 5] }] }));
    const w = manifest.w_dim;
    for (let row = 0; row < manifest.num_ws; row++) {
      const from = row === 1 || row === 5 ? source : main;
      expect(Array.from(mixed.subarray(row * w, (row + 1) * w))).toEqual(Array.from(from.subarray(row * w, (row + 1) * w)));
    }
    // A source with no rows changes nothing.
    expect(Array.from(await pipeline.resolveWs(latentState({ seed: 3, psi, mix: [{ seed: 9, rows: [] }] })))).toEqual(Array.from(main));
  });

  it('takes a kept latent source as it was kept: its own ψ and mixing, not the main latent ψ', async () => {
    // The kept state differs from "seed 9 at the main ψ" twice over: another ψ and a mix of its own.
    const kept = latentState({ seed: 9, psi: 0.4, mix: [{ seed: 11, rows: [0, 1, 2] }] });
    const keptWs = await pipeline.resolveWs(kept);
    const seedWs = await pipeline.resolveWs(latentState({ seed: 9, psi: 0.9 }));
    const main = await pipeline.resolveWs(latentState({ seed: 3, psi: 0.9 }));
    const mixed = await pipeline.resolveWs(latentState({ seed: 3, psi: 0.9, mix: [{ seed: 9, rows: [1, 6], kept: { label: 'Keyframe 1', state: kept } }] }));
    const w = manifest.w_dim;
    const row = (ws: Float32Array, r: number) => Array.from(ws.subarray(r * w, (r + 1) * w));
    for (let r = 0; r < manifest.num_ws; r++) expect(row(mixed, r)).toEqual(row(r === 1 || r === 6 ? keptWs : main, r));
    expect(row(mixed, 1)).not.toEqual(row(seedWs, 1));
  });

  it('refuses inputs whose shape differs from the manifest before they reach the runtime', async () => {
    await expect(runner.run('mapping', { z: { data: new Float32Array(10), dims: [1, 10] } })).rejects.toThrow(ShapeError);
    await expect(runner.run('synthesis', { ws: { data: new Float32Array(64), dims: [1, 64] } })).rejects.toThrow(/must be \[batch, 8, 64\]/);
    await expect(runner.run('mapping', {})).rejects.toThrow(/needs input "z"/);
  });
});
