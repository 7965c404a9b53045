/**
 * Background jobs behind the attribute sliders, run by the inference worker between preview frames
 * (app/jobs/registry.ts registers them): sampling W through the mapping network for GANSpace PCA,
 * SeFa's closed form (style-affine weights, or the first layer z feeds in a z-space model), and
 * reading back the latent of marked samples for teaching by example.
 */
import { parseNpz } from '../codecs/npz';
import { firstLayerWeights } from '../model/onnx-first-layer';
import { RandomState } from '../latent/random';
import { CovarianceAccumulator, pcaFromAccumulator, type Pca } from '../latent/pca';
import { affineWeights, sefa, type Factorization } from '../latent/sefa';
import type { Manifest } from '../model/manifest';
import type { JobContext } from './context';
import type { JobStep } from './scheduler';
import type { ClassWeight, LatentState } from '../state/latent-state';

/** Parameters and streamed items of the direction jobs (part of app/jobs/registry.ts JobTypes). */
export interface DirectionJobTypes {
  /**
   * GANSpace PCA in W: `samples` latents z = `np.random.RandomState(seed).randn(samples, z_dim)`
   * (float32), mapped `chunk` at a time with ψ = 1; the w of each is its first ws row (every row
   * of an untruncated mapping output is the same w). Streams progress after every chunk, then the
   * top `components` principal components.
   */
  'pca-w': {
    params: { samples: number; chunk: number; components: number; seed: number; classes: ClassWeight[] };
    item: { kind: 'progress'; done: number; total: number } | { kind: 'result'; pca: Pca; ms: number };
  };
  /**
   * SeFa's closed form on `dim`-value latents, from either the style-affine side file (`.npz`,
   * one [channels, dim] array per layer; `layers` names those to stack) or an ONNX generator graph
   * (the first layer its latent `input` feeds: z-space models). `file` names the package file; the
   * job reads it through its context, so the bytes never cross from the page to the worker.
   */
  sefa: {
    params: {
      weights: { format: 'npz'; file: string; layers: string[] } | { format: 'onnx'; file: string; input: string };
      dim: number;
    };
    item: Factorization;
  };
  /**
   * The latent each state stands for in the space its edits live in: the mean of its ws rows
   * (truncated, mixed and edited) for StyleGAN models, its edited z otherwise.
   */
  'resolve-latents': {
    params: { states: LatentState[] };
    item: { index: number; vector: Float32Array };
  };
}

type Emit<K extends keyof DirectionJobTypes> = (item: DirectionJobTypes[K]['item']) => void;

/** Most latents one PCA job samples (a bound on run time, far beyond GANSpace's 10⁶ for w_dim 512 needs). */
export const MAX_PCA_SAMPLES = 1_000_000;

/** Why `params` cannot be run on `manifest`'s model, or null. */
function pcaProblem(params: DirectionJobTypes['pca-w']['params'], family: string, id: string): string | null {
  const { samples, chunk, components } = params;
  if (family !== 'stylegan') return `PCA in W needs a StyleGAN model; "${id}" is ${family}`;
  if (!Number.isInteger(samples) || samples < 2 || samples > MAX_PCA_SAMPLES) {
    return `PCA needs between 2 and ${MAX_PCA_SAMPLES} samples, got ${samples}`;
  }
  if (!Number.isInteger(chunk) || chunk < 1) return `the chunk size must be a positive integer, got ${chunk}`;
  if (!Number.isInteger(components) || components < 1) return `ask for at least one component, got ${components}`;
  return null;
}

function* pcaW(params: DirectionJobTypes['pca-w']['params'], { pipeline, manifest, now }: JobContext, emit: Emit<'pca-w'>): Iterable<JobStep> {
  const problem = pcaProblem(params, manifest.family, manifest.id);
  // Thrown inside a step, so the worker reports it as this job's failure.
  yield async () => {
    if (problem) throw new RangeError(problem);
  };
  if (problem) return;
  const { samples, chunk, components, seed, classes } = params;
  const { z_dim: zDim, w_dim: wDim, num_ws: numWs } = manifest;
  const random = new RandomState(seed);
  const acc = new CovarianceAccumulator(wDim);
  const started = now();
  for (let done = 0; done < samples; ) {
    const count = Math.min(chunk, samples - done);
    const total = done + count;
    yield async () => {
      const z = Float32Array.from(random.randn(count * zDim));
      const ws = await pipeline.mapBatch(z, count, classes);
      const w = new Float32Array(count * wDim);
      for (let i = 0; i < count; i++) w.set(ws.subarray(i * numWs * wDim, i * numWs * wDim + wDim), i * wDim);
      acc.add(w, count);
      emit({ kind: 'progress', done: total, total: samples });
    };
    done = total;
  }
  yield async () => {
    const pca = pcaFromAccumulator(acc, components);
    emit({ kind: 'result', pca, ms: now() - started });
  };
}

function* sefaJob({ weights, dim }: DirectionJobTypes['sefa']['params'], { readFile }: JobContext, emit: Emit<'sefa'>): Iterable<JobStep> {
  yield async () => {
    const bytes = await readFile(weights.file);
    const stacked = weights.format === 'npz' ? affineWeights(parseNpz(bytes), weights.layers, dim) : [firstLayerWeights(bytes, weights.input, dim)];
    emit(sefa(stacked, dim));
  };
}

function* resolveLatents(
  params: DirectionJobTypes['resolve-latents']['params'],
  { pipeline, manifest }: JobContext,
  emit: Emit<'resolve-latents'>,
): Iterable<JobStep> {
  for (const [index, state] of params.states.entries()) {
    yield async () => {
      if (manifest.family !== 'stylegan') {
        emit({ index, vector: Float32Array.from((await pipeline.render(state)).z) });
        return;
      }
      const ws = await pipeline.resolveWs(state);
      const { numWs, wDim } = ws;
      const mean = new Float32Array(wDim);
      for (let r = 0; r < numWs; r++) for (let j = 0; j < wDim; j++) mean[j]! += ws[r * wDim + j]! / numWs;
      emit({ index, vector: mean });
    };
  }
}

/**
 * The graph files of a package that these jobs read (the closed form of a z-space model reads its
 * generator): whoever loads the graphs to run them keeps these bytes for the jobs instead of
 * fetching them again. StyleGAN's SeFa reads the style-affine side file, never a graph.
 */
export function graphsJobsRead(manifest: Manifest): string[] {
  const generator = manifest.graphs.generator?.file;
  return manifest.family !== 'stylegan' && generator ? [generator] : [];
}

/** The direction jobs' handlers, spread into app/jobs/registry.ts JOB_HANDLERS. */
export const DIRECTION_JOB_HANDLERS = {
  'pca-w': pcaW,
  sefa: sefaJob,
  'resolve-latents': resolveLatents,
};
