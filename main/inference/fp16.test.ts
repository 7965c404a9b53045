/**
 * The half-precision pass on real packages, run by real runtimes: each package's frame graph is
 * converted (app/model/fp16.ts), opened beside the float32 graph in onnxruntime-node (CPU) and in
 * onnxruntime-web's WASM backend, and both render the same seeds through the studio's pipeline.
 * Both runtimes are CPU builds without float16 kernels for most ops: they insert Casts around
 * each such node themselves (hence their "can't constant fold" notes, silenced here), so every
 * intermediate tensor is still rounded to float16 between ops, as on a shader-f16 GPU, while the
 * arithmetic inside an op is float32. The GPU's float16 accumulation adds to these figures.
 *
 * The bound: float16 keeps 11 significant bits, a relative step u = 2^-11 ≈ 4.9e-4 per rounding.
 * A picture in [-1, 1] passes some 10–40 roundings on its way (weights, each op's output, the final
 * Cast), so errors up to ~40u ≈ 0.02 at unit magnitude are float16 itself, not a broken pass; the
 * mean, a sum of independent roundings, stays near √40·u/2 ≈ 0.002 (bounded here at 0.004). An
 * error d moves an 8-bit level (127.5 per unit) by at most ⌊127.5·d⌋ + 1 = 3. A pass that swapped
 * two weights, dropped a Cast or misread a tensor's bits would be off by whole units.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { convertToFloat16 } from '../../app/model/fp16';
import type { Manifest } from '../../app/model/manifest';
import { readOnnxInfo } from '../../app/model/onnx';
import { createOrtRunner, type OrtModuleLike } from '../../app/runtime/ort-runner';
import { createPipeline } from '../../app/inference/render';
import { fp16FileName, fp16GraphKeys, measureFp16Error, type Fp16ErrorFigures } from '../../app/inference/fp16-error';
import { withPrecision } from '../../app/inference/precision';
import type { GraphRunner } from '../../app/inference/runner';
import { readManifest, readNoiseConst } from '../services/library';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGES = ['models/fixtures/stylegan-tiny', 'models/fixtures/stylegan3-tiny', 'models/emoji-stylegan', 'models/emoji-biggan'];
const SEEDS = [0, 1, 2, 3];

const RUNTIMES = {
  'onnxruntime-node cpu': { ort: ortNode as unknown as OrtModuleLike, sessionOptions: { executionProviders: ['cpu'], intraOpNumThreads: 1, graphOptimizationLevel: 'all' } },
  'onnxruntime-web wasm': { ort: ortWeb as unknown as OrtModuleLike, sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } },
};
ortWeb.env.wasm.numThreads = 1;
ortNode.env.logLevel = 'error';
ortWeb.env.logLevel = 'error';

/** The bound derived above, in output units and in 8-bit levels. */
const BOUND = { max_abs: 0.02, mean_abs: 0.004, max_levels: 3, mean_levels: 0.5 };

const open: GraphRunner[] = [];
afterAll(async () => {
  for (const runner of open) await runner.dispose();
});

describe.each(PACKAGES)('the float16 twin of %s', (pkg) => {
  const dir = path.join(ROOT, pkg);
  it('runs in both runtimes, close to the float32 graph', async () => {
    const manifest = await readManifest(dir);
    const files = new Map<string, Uint8Array>();
    for (const spec of Object.values(manifest.graphs)) files.set(spec.file, new Uint8Array(await fs.readFile(path.join(dir, spec.file))));
    const graphs = { ...manifest.graphs };
    for (const key of fp16GraphKeys(manifest)) {
      const spec = graphs[key]!;
      const converted = convertToFloat16(files.get(spec.file)!, spec.file);
      const twin = fp16FileName(spec.file);
      files.set(twin, converted.bytes);
      graphs[key] = { ...spec, fp16: { file: twin } };
      // Half the float payload; the int64 shape constants and the graph's structure stay as they were.
      expect(converted.bytes.length).toBeLessThan(0.8 * files.get(spec.file)!.length);
      expect(converted.overflowed).toBe(0);
      const [a, b] = [readOnnxInfo(files.get(spec.file)!), readOnnxInfo(converted.bytes)];
      expect(b.inputs).toEqual(a.inputs);
      expect(b.outputs).toEqual(a.outputs);
    }
    const twinned: Manifest = { ...manifest, graphs };
    const noise = await readNoiseConst(dir, manifest);
    const loadFile = async (file: string) => files.get(file)!;
    const figures: Record<string, Fp16ErrorFigures> = {};
    for (const [runtime, { ort, sessionOptions }] of Object.entries(RUNTIMES)) {
      const fp32 = await createOrtRunner(ort, twinned, { backend: 'native', sessionOptions, loadFile });
      open.push(fp32);
      const fp16 = await createOrtRunner(ort, withPrecision(twinned, 'fp16'), { backend: 'native', sessionOptions, loadFile });
      open.push(fp16);
      figures[runtime] = await measureFp16Error(manifest, createPipeline(fp32, manifest, noise), createPipeline(fp16, manifest, noise), SEEDS);
      const got = figures[runtime]!;
      expect(got.max_abs, runtime).toBeLessThanOrEqual(BOUND.max_abs);
      expect(got.mean_abs, runtime).toBeLessThanOrEqual(BOUND.mean_abs);
      expect(got.max_levels, runtime).toBeLessThanOrEqual(BOUND.max_levels);
      expect(got.mean_levels, runtime).toBeLessThanOrEqual(BOUND.mean_levels);
      // A twin equal to its original would mean nothing was converted.
      expect(got.max_abs, runtime).toBeGreaterThan(0);
    }
    // Both runtimes cast the same way, so they agree with each other far closer than with fp32.
    expect(Math.abs(figures['onnxruntime-node cpu']!.mean_abs - figures['onnxruntime-web wasm']!.mean_abs)).toBeLessThan(1e-5);
  }, 120_000);
});
