/**
 * The attribute-slider jobs on the fixture model, run by onnxruntime-web (WASM) in Node exactly as
 * the worker runs them: GANSpace PCA of 10,000 sampled w checked against an independent PCA — z drawn
 * by numpy, mapped here straight through the runner, decomposed by numpy — and the latents read back
 * for teaching by example.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openWasmPipeline } from './ort-web-node';
import type { Pipeline } from '../../app/inference/render';
import { runJobToEnd, type JobKind, type JobTypes } from '../../app/jobs/registry';
import { latentState } from '../../app/state/latent-state';
import type { GraphRunner } from '../../app/inference/runner';
import type { Manifest } from '../../app/model/manifest';
import { styleAffineLayers } from '../../app/latent/sefa';
import { python, pythonMissing } from '../../test-support/python';

const DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
const numpyMissing = pythonMissing('numpy');

let manifest: Manifest;
let runner: GraphRunner;
let pipeline: Pipeline;
const tmp = mkdtempSync(path.join(tmpdir(), 'directions-jobs-'));

beforeAll(async () => {
  ({ manifest, runner, pipeline } = await openWasmPipeline(DIR));
});
afterAll(async () => {
  await runner.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** Run a job to its end; it reads package files from `dir` (the fixture's own, unless a test gives another). */
const runJob = <K extends JobKind>(kind: K, params: JobTypes[K]['params'], dir = DIR) =>
  runJobToEnd(kind, params, { pipeline, runner, manifest, now: () => performance.now(), readFile: async (file) => new Uint8Array(readFileSync(path.join(dir, file))) });


describe('pca-w job', () => {
  it('streams progress per chunk and refuses impossible settings in its first step', async () => {
    const items = await runJob('pca-w', { samples: 1000, chunk: 300, components: 5, seed: 1, classes: [] });
    const progress = items.filter((i) => i.kind === 'progress');
    expect(progress.map((p) => p.kind === 'progress' && p.done)).toEqual([300, 600, 900, 1000]);
    const result = items.at(-1)!;
    expect(result.kind).toBe('result');
    if (result.kind === 'result') {
      expect(result.pca.count).toBe(1000);
      expect(result.pca.sigma).toHaveLength(5);
    }
    await expect(runJob('pca-w', { samples: 1, chunk: 300, components: 5, seed: 1, classes: [] })).rejects.toThrow(/between 2 and/);
  });

  it.skipIf(numpyMissing !== '')('finds the same first direction as numpy on the same 10,000 w (|cos| ≥ 0.95)', async () => {
    const samples = 10_000;
    const seed = 7;
    const zDim = manifest.z_dim;
    const wDim = manifest.w_dim;
    const started = performance.now();
    const items = await runJob('pca-w', { samples, chunk: 500, components: 20, seed, classes: [] });
    const ms = performance.now() - started;
    const result = items.at(-1)!;
    if (result.kind !== 'result') throw new Error('the job ended without a result');
    console.info(`pca-w: ${samples} samples, WASM in Node: ${ms.toFixed(0)} ms`);

    // Independent samples: z from numpy, mapped here straight through the runner (not the job's code).
    const zFile = path.join(tmp, 'z.f32');
    python(`import sys, numpy as np; np.random.RandomState(${seed}).randn(${samples}, ${zDim}).astype('<f4').tofile(sys.argv[1])`, zFile);
    const zBytes = readFileSync(zFile);
    const z = new Float32Array(zBytes.buffer, zBytes.byteOffset, samples * zDim);
    const w = new Float32Array(samples * wDim);
    for (let start = 0; start < samples; start += 1000) {
      const n = Math.min(1000, samples - start);
      const ws = (await runner.run('mapping', { z: { data: z.slice(start * zDim, (start + n) * zDim), dims: [n, zDim] } })).ws!.data;
      for (let i = 0; i < n; i++) w.set(ws.subarray(i * manifest.num_ws * wDim, i * manifest.num_ws * wDim + wDim), (start + i) * wDim);
    }
    const wFile = path.join(tmp, 'w.f32');
    writeFileSync(wFile, new Uint8Array(w.buffer));
    const ref = JSON.parse(
      python(
        `
import json, sys, numpy as np
w = np.fromfile(sys.argv[1], dtype='<f4').reshape(${samples}, ${wDim}).astype(np.float64)
values, vectors = np.linalg.eigh(np.cov(w, rowvar=False))
order = np.argsort(values)[::-1][:20]
print(json.dumps({"values": values[order].tolist(), "vectors": vectors[:, order].T.tolist()}))
`,
        wFile,
      ),
    ) as { values: number[]; vectors: number[][] };

    const { pca } = result;
    const cos = (k: number) => {
      let s = 0;
      for (let j = 0; j < wDim; j++) s += pca.components[k * wDim + j]! * ref.vectors[k]![j]!;
      return Math.abs(s);
    };
    expect(cos(0)).toBeGreaterThanOrEqual(0.95);
    for (let k = 0; k < 20; k++) expect(pca.sigma[k]! ** 2).toBeCloseTo(ref.values[k]!, 4);
    for (let k = 0; k < 3; k++) expect(cos(k)).toBeGreaterThan(0.999);
  });
});

describe('sefa job', () => {
  it('factorises the package side file it names, read through the job context', async () => {
    const names = styleAffineLayers(manifest).map((l) => l.name);
    const [f] = await runJob('sefa', { weights: { format: 'npz', file: 'style_affine.npz', layers: names }, dim: manifest.w_dim });
    expect(f!.layers).toEqual(names);
    expect(f!.values).toHaveLength(manifest.w_dim);
    // A·Aᵀ of unit columns has trace = number of columns = the layers' channels.
    const channels = styleAffineLayers(manifest).reduce((s, l) => s + l.channels, 0);
    expect(f!.values.reduce((a, b) => a + b, 0)).toBeCloseTo(channels, 6);
    writeFileSync(path.join(tmp, 'broken.npz'), new Uint8Array(8));
    await expect(runJob('sefa', { weights: { format: 'npz', file: 'broken.npz', layers: names }, dim: 64 }, tmp)).rejects.toThrow(/\.npz/);
  });
});

describe('resolve-latents job', () => {
  it('gives the mean ws row of each state, edits included', async () => {
    const v = Array.from({ length: manifest.w_dim }, (_, j) => (j === 5 ? 1 : 0));
    const edit = { id: 'e', name: 'e', space: 'w' as const, vector: v, scale: 2, amount: 1.5, rows: [0, 0] as [number, number] };
    const states = [latentState({ seed: 3 }), latentState({ seed: 3, edits: [edit] })];
    const items = await runJob('resolve-latents', { states });
    expect(items.map((i) => i.index)).toEqual([0, 1]);
    // Untruncated, unmixed: every row is the mapped w, so the mean is row 0.
    const w = (await pipeline.mapSeed(3)).subarray(0, manifest.w_dim);
    items[0]!.vector.forEach((x, j) => expect(x).toBeCloseTo(w[j]!, 5));
    // The edit moves row 0 of 8 by 3 along axis 5: the mean moves by 3/8 there and nowhere else.
    items[1]!.vector.forEach((x, j) => expect(x - items[0]!.vector[j]!).toBeCloseTo(j === 5 ? 3 / manifest.num_ws : 0, 5));
  });
});
