/**
 * From latent state to image, named as the papers name the steps: `map(z) → ws`,
 * `truncate(ws, w_avg, ψ, cutoff)`, `synthesize(ws) → img`. Written against the inference
 * interface only, so the worker, the CLI and the tests run the same code.
 */
import type { Feeds, GraphRunner, Pixels, Tensor } from './runner';
import { tensorToRgba } from './image';
import { checkFiniteImage } from './finite';
import type { Manifest } from '../model/manifest';
import { asW, asWPlus, asZ, mixRows, seedToTruncatedZ, seedToZ, truncate, type W, type WPlus, type Z } from '../latent';
import { classVector, type ClassWeight, type LatentState } from '../state/latent-state';
import { applyWEdits, applyZEdits } from '../latent/edits';
import { checkExplicitFits } from '../state/explicit-latent';
import { createSynthesisInputs, DEFAULT_SYNTHESIS, type NoiseConst, type SynthesisSettings } from './synthesis-inputs';

/** One rendered frame: the image tensor and, for StyleGAN models, the ws that made it. */
export interface Rendered {
  image: Tensor;
  z: Z;
  ws: WPlus | null;
}

/** One rendered frame as pixels, with the latent that made it. */
export interface RenderedPixels {
  image: Pixels;
  z: Z;
  ws: WPlus | null;
}

/** Renders latent states of one loaded model. */
export interface Pipeline {
  /** The untruncated ws of a seed (cached: dragging ψ does not re-run the mapping network). */
  mapSeed(seed: number, classes?: readonly ClassWeight[]): Promise<WPlus>;
  /**
   * The untruncated ws of `count` z rows in one mapping run (`z` is count×z_dim row-major; returns
   * count×num_ws×w_dim): sampling W for PCA goes in chunks, not one run per latent (StyleGAN only).
   */
  mapBatch(z: Float32Array, count: number, classes?: readonly ClassWeight[]): Promise<Float32Array>;
  /**
   * The ws a state stands for: mapped (or its explicit ws / z), truncated, mixed (StyleGAN models
   * only). Throws ExplicitLatentError when an explicit latent does not fit the model.
   */
  resolveWs(state: LatentState): Promise<WPlus>;
  /**
   * Synthesize an image from ws (StyleGAN models only), feeding noise and the input transform as
   * `settings` say where the package exposes them (default: its stored noise and transform).
   */
  synthesize(ws: WPlus, settings?: SynthesisSettings): Promise<Tensor>;
  /** The synthesis graph's feeds besides `ws` for `settings` (no batch axis: they broadcast over a batch of ws). */
  synthesisFeeds(settings: SynthesisSettings): Feeds;
  /** The ws of `z` in place of the state's main latent, then truncated, mixed and edited as `state` says (StyleGAN only). */
  resolveWsFromZ(z: Z, state: LatentState): Promise<WPlus>;
  /** Run a z → image generator (conditional / plain families) on an explicit z and class vector. */
  generate(z: Z, classes: Float32Array, psi: number): Promise<Tensor>;
  render(state: LatentState): Promise<Rendered>;
  /**
   * `state`'s frame as pixels, for the preview: converted by the runtime where it can
   * (GraphRunner.runPixels), else here. Throws NonFiniteOutputError for NaN or infinite output.
   */
  renderPixels(state: LatentState): Promise<RenderedPixels>;
  /**
   * `state`'s latent and its image graph's feeds, handed to `image` to run: what render and
   * renderPixels do, for a caller that runs the image graph its own way (the WebGPU preview keeps
   * the output on the GPU).
   */
  renderWith<T>(state: LatentState, image: (graph: string, feeds: Feeds) => Promise<T>): Promise<{ image: T; z: Z; ws: WPlus | null }>;
}

/**
 * The z a state's main latent stands for — its seed's draw or its explicit z — with BigGAN's
 * truncnorm draw scaled by `psi`. Throws ExplicitLatentError for an explicit latent that does not
 * fit (an explicit ws outside StyleGAN among them); not for a StyleGAN explicit ws, which has no z.
 */
export function stateZ(manifest: Manifest, state: LatentState, psi: number): Z {
  const explicit = state.explicit;
  const truncated = manifest.family === 'conditional';
  if (!explicit) return truncated ? seedToTruncatedZ(state.seed, manifest.z_dim, psi) : seedToZ(state.seed, manifest.z_dim);
  checkExplicitFits(explicit, manifest);
  // An explicit z stands where the seed's unit draw stands; float32 ψ × float32 value, rounded once, as seedToTruncatedZ forms it.
  const z = Float32Array.from(explicit.data);
  const psi32 = Math.fround(psi);
  return asZ(truncated ? z.map((v) => psi32 * v) : z, manifest.z_dim);
}

const MAPPING_CACHE_SIZE = 64;

/**
 * Create the pipeline for `manifest`'s family over a loaded runner.
 * @param noiseConst the package's const noise (synthesis-inputs.ts loadNoiseConst), required when it declares noise inputs
 */
export function createPipeline(runner: GraphRunner, manifest: Manifest, noiseConst: NoiseConst | null = null): Pipeline {
  const cache = new Map<string, WPlus>();
  const inputs = createSynthesisInputs(manifest, noiseConst);
  const wAvg: W | null = manifest.family === 'stylegan' ? asW(Float32Array.from(manifest.w_avg), manifest.w_dim) : null;

  async function map(z: Z, classes: readonly ClassWeight[]): Promise<WPlus> {
    const feeds: Feeds = { z: { data: z, dims: [1, manifest.z_dim] } };
    if (manifest.c_dim > 0) feeds.c = { data: classVector(classes, manifest.c_dim), dims: [1, manifest.c_dim] };
    const out = await runner.run('mapping', feeds);
    return asWPlus(out.ws!.data, manifest.num_ws, manifest.w_dim);
  }

  async function mapBatch(z: Float32Array, count: number, classes: readonly ClassWeight[] = []): Promise<Float32Array> {
    if (!wAvg) throw new Error(`model "${manifest.id}" has no mapping network (family ${manifest.family})`);
    const feeds: Feeds = { z: { data: z, dims: [count, manifest.z_dim] } };
    if (manifest.c_dim > 0) {
      const c = classVector(classes, manifest.c_dim);
      const data = new Float32Array(count * manifest.c_dim);
      for (let i = 0; i < count; i++) data.set(c, i * manifest.c_dim);
      feeds.c = { data, dims: [count, manifest.c_dim] };
    }
    return (await runner.run('mapping', feeds)).ws!.data;
  }

  async function mapSeed(seed: number, classes: readonly ClassWeight[] = []): Promise<WPlus> {
    const key = manifest.c_dim > 0 ? `${seed}|${classes.map((c) => `${c.index}:${c.weight}`).join(',')}` : String(seed);
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key); // refresh its place in the LRU order
      cache.set(key, hit);
      return hit;
    }
    const ws = await map(seedToZ(seed, manifest.z_dim), classes);
    cache.set(key, ws);
    if (cache.size > MAPPING_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return ws;
  }

  async function synthesize(ws: WPlus, settings: SynthesisSettings = DEFAULT_SYNTHESIS): Promise<Tensor> {
    const out = await runner.run('synthesis', { ws: { data: ws, dims: [1, manifest.num_ws, manifest.w_dim] }, ...inputs.feeds(settings) });
    return out.img!;
  }

  /** The untruncated ws of a state's main latent: its explicit ws as it is, its explicit z or its seed mapped. */
  async function mainWs(state: LatentState): Promise<WPlus> {
    const explicit = state.explicit;
    if (!explicit) return mapSeed(state.seed, state.classes);
    checkExplicitFits(explicit, manifest);
    const data = Float32Array.from(explicit.data);
    return explicit.space === 'ws' ? asWPlus(data, manifest.num_ws, manifest.w_dim) : map(asZ(data, manifest.z_dim), state.classes);
  }

  async function resolveWs(state: LatentState, z?: Z): Promise<WPlus> {
    if (!wAvg) throw new Error(`model "${manifest.id}" has no W space (family ${manifest.family})`);
    const main = z ? await map(z, state.classes) : await mainWs(state);
    // As NVIDIA's style_mixing.py: every latent is truncated first, then rows are swapped.
    let ws = truncate(main, wAvg, state.psi, state.cutoff);
    for (const source of state.mix) {
      if (source.rows.length === 0 || source.weight === 0) continue;
      // A kept latent gives its rows as it looked when kept (its own ψ, mixing and edits).
      const other = source.kept ? await resolveWs(source.kept.state) : truncate(await mapSeed(source.seed, state.classes), wAvg, state.psi, state.cutoff);
      ws = mixRows(ws, other, source.rows, source.weight ?? 1);
    }
    return applyWEdits(ws, state.edits);
  }

  function generatorFeeds(z: Z, classes: Float32Array, psi: number): Feeds {
    const feeds: Feeds = { z: { data: z, dims: [1, manifest.z_dim] } };
    if (manifest.family === 'conditional') {
      feeds.c = { data: classes, dims: [1, manifest.c_dim] };
      feeds.truncation = { data: Float32Array.of(psi), dims: [1] };
    }
    return feeds;
  }

  async function generate(z: Z, classes: Float32Array, psi: number): Promise<Tensor> {
    return (await runner.run('generator', generatorFeeds(z, classes, psi))).img!;
  }

  /**
   * The latent of `state` and its image graph's feeds, then `image` runs that graph: the one path
   * from state to graph run that {@link Pipeline.render} and {@link Pipeline.renderPixels} share.
   */
  async function renderWith<T>(state: LatentState, image: (graph: string, feeds: Feeds) => Promise<T>): Promise<{ image: T; z: Z; ws: WPlus | null }> {
    switch (manifest.family) {
      case 'stylegan': {
        const ws = await resolveWs(state);
        const feeds = { ws: { data: ws, dims: [1, manifest.num_ws, manifest.w_dim] }, ...inputs.feeds(state) };
        // An explicit ws has no z: the record's z is then the seed's, which the picture does not depend on.
        const z = state.explicit?.space === 'z' ? stateZ(manifest, state, 1) : seedToZ(state.seed, manifest.z_dim);
        return { image: await image('synthesis', feeds), z, ws };
      }
      case 'plain': {
        const z = applyZEdits(stateZ(manifest, state, 1), state.edits);
        return { image: await image('generator', generatorFeeds(z, new Float32Array(0), 1)), z, ws: null };
      }
      case 'conditional': {
        // BigGAN: z = ψ·truncnorm(−2, 2); ψ also selects the batch-norm statistics inside the graph.
        const z = applyZEdits(stateZ(manifest, state, state.psi), state.edits);
        return { image: await image('generator', generatorFeeds(z, classVector(state.classes, manifest.c_dim), state.psi)), z, ws: null };
      }
    }
  }

  const render = (state: LatentState): Promise<Rendered> => renderWith(state, async (graph, feeds) => (await runner.run(graph, feeds)).img!);

  async function renderPixels(state: LatentState): Promise<RenderedPixels> {
    const range = manifest.output_range;
    return renderWith(state, async (graph, feeds): Promise<Pixels> => {
      if (runner.runPixels) return runner.runPixels(graph, feeds, 'img', range);
      const img = (await runner.run(graph, feeds)).img!;
      checkFiniteImage(img, manifest.name);
      return tensorToRgba(img, range);
    });
  }

  return { mapSeed, mapBatch, resolveWs: (state) => resolveWs(state), resolveWsFromZ: (z, state) => resolveWs(state, z), synthesize, synthesisFeeds: (settings) => inputs.feeds(settings), generate, render, renderPixels, renderWith };
}
