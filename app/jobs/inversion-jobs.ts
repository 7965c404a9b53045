/**
 * Inversion as a background job of the inference worker (registered in registry.ts): the target
 * picture in, a stream of ever better ws out. One generation of CMA-ES (app/inversion/invert.ts)
 * is one job step, so the preview cuts in between generations and a cancel stops the search at
 * the next one; every item carries the best ws and its picture, so whoever cancels keeps the best
 * so far. The job ends itself when its time budget or generation cap is spent.
 */
import { tensorToRgba, type Rgba } from '../inference/image';
import { DEFAULT_SYNTHESIS, type SynthesisSettings } from '../inference/synthesis-inputs';
import { CovarianceAccumulator, pcaFromAccumulator } from '../latent/pca';
import { RandomState } from '../latent/random';
import { Inverter, InversionError, type InversionModel, type InversionStage, type WBasis } from '../inversion/invert';
import type { PlanarImage } from '../inversion/loss';
import type { Manifest } from '../model/manifest';
import type { JobContext } from './context';
import type { JobStep } from './scheduler';

/** Default time budget of one inversion, ms. */
export const DEFAULT_INVERSION_BUDGET_MS = 60_000;
/** Latents sampled through the mapping network for the search basis. */
const BASIS_SAMPLES = 4096;
const BASIS_CHUNK = 512;
/** Principal directions kept for the search basis. */
const BASIS_COMPONENTS = 32;

/** Parameters of one 'invert' job. */
export interface InvertParams {
  /** The picture to reach, planar values in [0, 1], at the model's resolution. */
  target: PlanarImage;
  /** resolution² weights in [0, 1]; 0 = ignore that pixel. */
  mask?: Float32Array;
  /** Start from the package's encoder guess when it has one (else, or when false, from w_avg). */
  useEncoder: boolean;
  /** Stop after this long (ms since the job's first step). */
  budgetMs: number;
  /** Stop after this many generations. */
  maxGenerations: number;
  seed: number;
  /** Noise and transform the synthesis runs with (the state's, so the kept ws looks the same in the studio). */
  settings?: SynthesisSettings;
  populationSize?: number;
  stages?: InversionStage[];
}

/** One item of an 'invert' job: after the start is evaluated, then after every generation. */
export interface InvertItem {
  /** What the search started from. */
  start: 'encoder' | 'w_avg';
  generation: number;
  evaluations: number;
  /** Loss of the best ws so far. */
  loss: number;
  /** The best ws so far, num_ws×w_dim row-major. */
  ws: Float32Array;
  /** Its picture. */
  image: Rgba;
  /** Time since the job's first step, ms. */
  elapsedMs: number;
  /** Set on the last item: why the search stopped. */
  done?: 'budget' | 'generations';
}

/** Parameters and items of the inversion job (part of registry.ts JobTypes). */
export interface InversionJobTypes {
  invert: { params: InvertParams; item: InvertItem };
}

/** Why `params` cannot run on `manifest`'s model, or null. */
function invertProblem(params: InvertParams, manifest: Manifest): string | null {
  if (manifest.family !== 'stylegan') return `inversion needs a StyleGAN model; "${manifest.name}" is ${manifest.family}, whose latent has no W to search`;
  if (!(params.budgetMs > 0)) return `the time budget must be positive, got ${params.budgetMs} ms`;
  if (!Number.isInteger(params.maxGenerations) || params.maxGenerations < 0) return `the generation cap must be a whole number ≥ 0, got ${params.maxGenerations}`;
  return null;
}

function* invert(params: InvertParams, { runner, pipeline, manifest, now }: JobContext, emit: (item: InvertItem) => void): Iterable<JobStep> {
  const problem = invertProblem(params, manifest);
  yield async () => {
    if (problem) throw new InversionError(problem);
  };
  if (problem) return;
  const started = now();
  const { num_ws: numWs, w_dim: wDim, resolution, img_channels: channels } = manifest;
  const range = manifest.output_range as [number, number];
  const settings = params.settings ?? DEFAULT_SYNTHESIS;

  const random = new RandomState(params.seed);
  const acc = new CovarianceAccumulator(wDim);
  for (let done = 0; done < BASIS_SAMPLES; done += BASIS_CHUNK) {
    yield async () => {
      const ws = await pipeline.mapBatch(Float32Array.from(random.randn(BASIS_CHUNK * manifest.z_dim)), BASIS_CHUNK);
      const w = new Float32Array(BASIS_CHUNK * wDim);
      for (let i = 0; i < BASIS_CHUNK; i++) w.set(ws.subarray(i * numWs * wDim, i * numWs * wDim + wDim), i * wDim);
      acc.add(w, BASIS_CHUNK);
    };
  }

  let inverter: Inverter | null = null;
  let start: InvertItem['start'] = 'w_avg';
  const model: InversionModel = {
    numWs,
    wDim,
    resolution,
    channels,
    outputRange: range,
    wsResolutions: manifest.ws_resolutions,
    synthesize: async (ws, count) => (await runner.run('synthesis', { ws: { data: ws, dims: [count, numWs, wDim] }, ...pipeline.synthesisFeeds(settings) })).img!.data,
  };
  yield async () => {
    const pca = pcaFromAccumulator(acc, Math.min(BASIS_COMPONENTS, wDim));
    const basis: WBasis = { wDim, components: pca.components, sigma: pca.sigma };
    let startWs: Float32Array;
    if (params.useEncoder && manifest.graphs.encoder) {
      const [lo, hi] = range;
      const img = params.target.data.map((v) => lo + v * (hi - lo));
      startWs = (await runner.run('encoder', { img: { data: img, dims: [1, channels, resolution, resolution] } })).ws!.data.slice(0, numWs * wDim);
      start = 'encoder';
    } else {
      startWs = new Float32Array(numWs * wDim);
      for (let r = 0; r < numWs; r++) startWs.set(manifest.w_avg, r * wDim);
    }
    inverter = new Inverter(model, {
      target: params.target,
      ...(params.mask && { mask: params.mask }),
      start: startWs,
      basis,
      seed: params.seed,
      ...(params.populationSize !== undefined && { populationSize: params.populationSize }),
      ...(params.stages && { stages: params.stages }),
    });
  };

  let done: InvertItem['done'];
  while (!done) {
    yield async () => {
      const progress = await inverter!.step();
      const elapsedMs = now() - started;
      if (progress.generation >= params.maxGenerations) done = 'generations';
      else if (elapsedMs >= params.budgetMs) done = 'budget';
      emit({
        start,
        generation: progress.generation,
        evaluations: progress.evaluations,
        loss: progress.loss,
        // A copy: the worker transfers an item's buffers, and the search keeps using its own.
        ws: Float32Array.from(progress.ws),
        image: tensorToRgba({ data: progress.image, dims: [1, channels, resolution, resolution] }, range),
        elapsedMs,
        ...(done && { done }),
      });
    };
  }
}

/** The inversion job's handler, spread into registry.ts JOB_HANDLERS. */
export const INVERSION_JOB_HANDLERS = { invert };
