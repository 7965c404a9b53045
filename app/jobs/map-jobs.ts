/**
 * The latent map's background jobs (registered in jobs.ts): sampling N latents into the space the
 * map draws, with their PCA basis and coordinates; thumbnails of map points, several per step;
 * and the keyframes and interpolation path of a timeline, as map vectors.
 *
 * A map point is a seed (and, for conditional models, a class): for StyleGAN its vector is the
 * untruncated w of that seed, for other families its z (ψ = 1). Any latent state has a vector in
 * the same space ({@link mapVector}), so the current latent is drawn among the points.
 */
import type { Feeds, GraphRunner, Tensor } from '../inference/runner';
import type { Manifest } from '../model/manifest';
import { tensorToRgba, type Rgba } from '../inference/image';
import { seedToTruncatedZ, seedToZ, type WPlus, type Z } from '../latent';
import { applyZEdits } from '../latent/edits';
import { CovarianceAccumulator, pcaFromAccumulator, type Pca } from '../latent/pca';
import { projectRows } from '../latent/map-projection';
import { stateZ, type Pipeline } from '../inference/render';
import type { JobContext } from './context';
import type { JobStep } from './scheduler';
import { classVector, type LatentState } from '../state/latent-state';
import { DEFAULT_SYNTHESIS } from '../inference/synthesis-inputs';
import { checkTimeline, frameCount, TimelineError, type Timeline } from '../state/timeline';
import { TimelineEvaluator } from '../inference/timeline-frames';

/** The most points a map may have. */
export const MAP_MAX_POINTS = 20_000;
/** PCA coordinates kept per point: enough for UMAP's neighbours and re-centred projections. */
const MAP_COMPONENTS = 32;

/** One map point: a seed and, for conditional models, a class index (−1 otherwise). */
export interface MapPoint {
  seed: number;
  classIndex: number;
}

/** Parameters of 'map-sample'. */
export interface MapSampleParams {
  /** Number of points, 3 … {@link MAP_MAX_POINTS}; seeds firstSeed … firstSeed + count − 1. */
  count: number;
  firstSeed: number;
}

/** Items of 'map-sample', in this order: every 'samples' chunk, one 'basis', every 'coords' chunk. */
export type MapSampleItem =
  | { phase: 'samples'; offset: number; total: number; dim: number; seeds: Uint32Array; classes: Int32Array; vectors: Float32Array }
  | { phase: 'basis'; basis: Pca }
  | { phase: 'coords'; offset: number; total: number; k: number; coords: Float32Array };

/** Parameters of 'map-thumbnails': images of points at ψ = 1, `size` pixels square (≤ the model's resolution). */
export interface MapThumbnailParams {
  points: MapPoint[];
  size: number;
}

/** One thumbnail of 'map-thumbnails'; `index` is the point's place in the request. */
export interface MapThumbnailItem {
  index: number;
  image: Rgba;
}

/** Parameters of 'map-path': a timeline whose keyframes (and, when it can play, path) the map draws. */
export interface MapPathParams {
  timeline: Timeline;
  /** The most path points sampled along the timeline. */
  samples: number;
}

/** Items of 'map-path': the keyframes' vectors, then the path's (rows × dim each). */
export interface MapPathItem {
  kind: 'keyframes' | 'path';
  rows: number;
  dim: number;
  vectors: Float32Array;
}

/** Mapping-network rows per sampling step: one step stays well under a preview frame. */
const SAMPLE_CHUNK = 256;
/** Rows projected per step. */
const PROJECT_CHUNK = 2048;
/** Thumbnail steps aim at this long, so a preview request never waits much behind one. */
const THUMBNAIL_STEP_MS = 60;
const MAX_THUMBNAIL_BATCH = 16;
const PATH_CHUNK = 16;

/** Length of a map vector: w_dim for StyleGAN, z_dim otherwise. */
function mapDim(manifest: Manifest): number {
  return manifest.family === 'stylegan' ? manifest.w_dim : manifest.z_dim;
}

/** The class a map point of `seed` gets: seed mod c_dim, so classes spread evenly; −1 when unconditional. */
export function mapPointClass(manifest: Manifest, seed: number): number {
  return manifest.c_dim > 0 ? seed % manifest.c_dim : -1;
}

/** Write the mean of the numWs rows at data[base …] into out[outBase …]. */
function averageRows(data: Float32Array, base: number, numWs: number, wDim: number, out: Float32Array, outBase: number): void {
  for (let j = 0; j < wDim; j++) {
    let s = 0;
    for (let r = 0; r < numWs; r++) s += data[base + r * wDim + j]!;
    out[outBase + j] = s / numWs;
  }
}

/** The mean of the rows of ws: an unmixed, unedited latent's w itself; otherwise where it sits on average. */
export function meanRow(ws: WPlus): Float32Array {
  const out = new Float32Array(ws.wDim);
  averageRows(ws, 0, ws.numWs, ws.wDim, out, 0);
  return out;
}

/** The map vector of a rendered frame: its ws's mean row (StyleGAN) or its z. */
export function mapVector(rendered: { z: Z; ws: WPlus | null }): Float32Array {
  return rendered.ws ? meanRow(rendered.ws) : rendered.z.slice();
}

/** The map vector of a latent state, made as its frame would be but without synthesis. */
async function stateVector(pipeline: Pipeline, manifest: Manifest, state: LatentState): Promise<Float32Array> {
  switch (manifest.family) {
    case 'stylegan':
      return meanRow(await pipeline.resolveWs(state));
    // An explicit z is where the point sits (stateZ), so an inverted latent shows on the map too.
    case 'plain':
      return applyZEdits(stateZ(manifest, state, 1), state.edits);
    case 'conditional':
      return applyZEdits(stateZ(manifest, state, state.psi), state.edits);
  }
}

function pointZ(manifest: Manifest, points: readonly MapPoint[]): Float32Array {
  const zDim = manifest.z_dim;
  const out = new Float32Array(points.length * zDim);
  points.forEach(({ seed }, i) =>
    out.set(manifest.family === 'conditional' ? seedToTruncatedZ(seed, zDim, 1) : seedToZ(seed, zDim), i * zDim),
  );
  return out;
}

function pointClasses(manifest: Manifest, points: readonly MapPoint[]): Float32Array {
  const out = new Float32Array(points.length * manifest.c_dim);
  points.forEach(({ classIndex }, i) => out.set(classVector([{ index: classIndex, weight: 1 }], manifest.c_dim), i * manifest.c_dim));
  return out;
}

/** The untruncated ws of a batch of points: [n, num_ws, w_dim] from one mapping run. */
async function mapPoints(runner: GraphRunner, manifest: Manifest, points: readonly MapPoint[]): Promise<Tensor> {
  const n = points.length;
  const feeds: Feeds = { z: { data: pointZ(manifest, points), dims: [n, manifest.z_dim] } };
  if (manifest.c_dim > 0) feeds.c = { data: pointClasses(manifest, points), dims: [n, manifest.c_dim] };
  return (await runner.run('mapping', feeds)).ws!;
}

function* mapSample(params: MapSampleParams, { runner, manifest }: JobContext, emit: (item: MapSampleItem) => void): Iterable<JobStep> {
  const { count, firstSeed } = params;
  if (!Number.isInteger(count) || count < 3 || count > MAP_MAX_POINTS) {
    // Thrown inside a step, so the job fails with this message rather than the worker's queue.
    yield () => Promise.reject(new RangeError(`a map needs 3 to ${MAP_MAX_POINTS} points, not ${count}`));
    return;
  }
  const dim = mapDim(manifest);
  const accumulator = new CovarianceAccumulator(dim);
  // The worker keeps its own copy to project once the basis is known; the chunks it emits are handed over.
  const vectors = new Float32Array(count * dim);
  for (let offset = 0; offset < count; offset += SAMPLE_CHUNK) {
    yield async () => {
      const rows = Math.min(SAMPLE_CHUNK, count - offset);
      const seeds = Uint32Array.from({ length: rows }, (_, i) => (firstSeed + offset + i) >>> 0);
      const points = Array.from(seeds, (seed) => ({ seed, classIndex: mapPointClass(manifest, seed) }));
      let chunk: Float32Array;
      if (manifest.family === 'stylegan') {
        const ws = await mapPoints(runner, manifest, points);
        chunk = new Float32Array(rows * dim);
        for (let r = 0; r < rows; r++) averageRows(ws.data, r * manifest.num_ws * dim, manifest.num_ws, dim, chunk, r * dim);
      } else {
        chunk = pointZ(manifest, points);
      }
      accumulator.add(chunk, rows);
      vectors.set(chunk, offset * dim);
      const classes = Int32Array.from(points, (p) => p.classIndex);
      emit({ phase: 'samples', offset, total: count, dim, seeds, classes, vectors: chunk });
    };
  }
  let basis: Pca | null = null;
  yield async () => {
    basis = pcaFromAccumulator(accumulator, Math.min(MAP_COMPONENTS, dim));
    // A copy goes out: the arrays of an emitted item are handed over, and projection still needs these.
    emit({ phase: 'basis', basis: { ...basis, mean: basis.mean.slice(), components: basis.components.slice(), sigma: basis.sigma.slice(), explained: basis.explained.slice() } });
  };
  for (let offset = 0; offset < count; offset += PROJECT_CHUNK) {
    yield async () => {
      const rows = Math.min(PROJECT_CHUNK, count - offset);
      const k = basis!.components.length / dim;
      const coords = projectRows(basis!, vectors.subarray(offset * dim, (offset + rows) * dim), rows);
      emit({ phase: 'coords', offset, total: count, k, coords });
    };
  }
}

/** Box-filter `image` down to `size` pixels square (nearest sample when the factor is not whole). */
export function downsample(image: Rgba, size: number): Rgba {
  if (image.width === size && image.height === size) return image;
  const out = new Uint8ClampedArray(size * size * 4);
  const fx = image.width / size;
  const fy = image.height / size;
  const whole = Number.isInteger(fx) && Number.isInteger(fy);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      if (!whole) {
        const i = (Math.floor((y + 0.5) * fy) * image.width + Math.floor((x + 0.5) * fx)) * 4;
        for (let c = 0; c < 4; c++) out[o + c] = image.data[i + c]!;
        continue;
      }
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let dy = 0; dy < fy; dy++) for (let dx = 0; dx < fx; dx++) s += image.data[((y * fy + dy) * image.width + x * fx + dx) * 4 + c]!;
        out[o + c] = s / (fx * fy);
      }
    }
  }
  return { width: size, height: size, data: out };
}

async function renderPoints(pipeline: Pipeline, runner: GraphRunner, manifest: Manifest, points: readonly MapPoint[]): Promise<Tensor> {
  const n = points.length;
  if (manifest.family === 'stylegan') {
    const ws = await mapPoints(runner, manifest, points);
    // Map points are latents only: their thumbnails show the package's stored noise and transform.
    return (await runner.run('synthesis', { ws, ...pipeline.synthesisFeeds(DEFAULT_SYNTHESIS) })).img!;
  }
  const feeds: Feeds = { z: { data: pointZ(manifest, points), dims: [n, manifest.z_dim] } };
  if (manifest.family === 'conditional') {
    feeds.c = { data: pointClasses(manifest, points), dims: [n, manifest.c_dim] };
    feeds.truncation = { data: Float32Array.of(1), dims: [1] };
  }
  return (await runner.run('generator', feeds)).img!;
}

function* mapThumbnails(params: MapThumbnailParams, { pipeline, runner, manifest, now }: JobContext, emit: (item: MapThumbnailItem) => void): Iterable<JobStep> {
  const { points, size } = params;
  if (!Number.isInteger(size) || size < 1 || size > manifest.resolution) {
    yield () => Promise.reject(new RangeError(`thumbnails must be 1 to ${manifest.resolution} px, not ${size}`));
    return;
  }
  let msPerImage = 0;
  let next = 0;
  while (next < points.length) {
    // The first step renders one image to learn the cost; later steps batch as many as fit the budget.
    const batch = msPerImage > 0 ? Math.max(1, Math.min(MAX_THUMBNAIL_BATCH, Math.floor(THUMBNAIL_STEP_MS / msPerImage))) : 1;
    const start = next;
    const slice = points.slice(start, start + batch);
    next += slice.length;
    yield async () => {
      const started = now();
      const images = await renderPoints(pipeline, runner, manifest, slice);
      msPerImage = (now() - started) / slice.length;
      slice.forEach((_, i) => emit({ index: start + i, image: downsample(tensorToRgba(images, manifest.output_range, i), size) }));
    };
  }
}

function* mapPath(params: MapPathParams, { pipeline, manifest }: JobContext, emit: (item: MapPathItem) => void): Iterable<JobStep> {
  const { timeline } = params;
  const dim = mapDim(manifest);
  yield async () => {
    const vectors = new Float32Array(timeline.keyframes.length * dim);
    for (const [i, k] of timeline.keyframes.entries()) vectors.set(await stateVector(pipeline, manifest, k.state), i * dim);
    emit({ kind: 'keyframes', rows: timeline.keyframes.length, dim, vectors });
  };
  try {
    checkTimeline(timeline);
  } catch (error) {
    // A timeline that cannot play yet (no duration, bad fps) has keyframes but no path; the
    // timeline panel reports what to fix, the map just draws the keyframes.
    if (error instanceof TimelineError) return;
    throw error;
  }
  if (timeline.keyframes.length < 2) return;
  const evaluator = new TimelineEvaluator(pipeline, manifest, timeline);
  const frames = frameCount(timeline);
  const samples = Math.max(2, Math.min(params.samples, frames));
  const indices = Array.from({ length: samples }, (_, i) => Math.round((i * (frames - 1)) / (samples - 1)));
  // A loop's last frame stops short of the first keyframe: close the line on frame 0.
  if (timeline.loop !== 'none') indices.push(0);
  const path = new Float32Array(indices.length * dim);
  for (let start = 0; start < indices.length; start += PATH_CHUNK) {
    yield async () => {
      for (let i = start; i < Math.min(start + PATH_CHUNK, indices.length); i++) {
        const latent = await evaluator.latent(indices[i]!);
        path.set(latent.kind === 'ws' ? meanRow(latent.ws) : latent.z, i * dim);
      }
      if (start + PATH_CHUNK >= indices.length) emit({ kind: 'path', rows: indices.length, dim, vectors: path });
    };
  }
}

/** Job types of the map, merged into JobTypes (jobs.ts). */
export interface MapJobTypes {
  /** Sample points, then their PCA basis and coordinates (progress: items arrive per chunk). */
  'map-sample': { params: MapSampleParams; item: MapSampleItem };
  /** Thumbnails of map points, batched per step. */
  'map-thumbnails': { params: MapThumbnailParams; item: MapThumbnailItem };
  /** A timeline's keyframes and interpolation path as map vectors. */
  'map-path': { params: MapPathParams; item: MapPathItem };
}

/** The map's job handlers, merged into JOB_HANDLERS (jobs.ts). */
export const MAP_JOB_HANDLERS = {
  'map-sample': mapSample,
  'map-thumbnails': mapThumbnails,
  'map-path': mapPath,
} as const;
