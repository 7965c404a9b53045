/**
 * The latent map's projections: many latents → a few PCA coordinates (kept for every sample) →
 * three map axes, by the global PCA, by a PCA re-centred on the current latent, or by UMAP. Any
 * other latent (the current one, keyframes, direction tips) is placed by the same basis, or, for
 * UMAP, among its nearest samples.
 */
import { UMAP } from 'umap-js';
import { LinalgError } from './linalg';
import { CovarianceAccumulator, pcaFromAccumulator, type Pca } from './pca';
import { RandomState } from './random';

/**
 * Coordinates of `rows` samples (row-major rows × p.dim) along the first `k` components of `p`:
 * a rows × k Float32Array.
 */
export function projectRows(p: Pca, data: ArrayLike<number>, rows: number, k = p.components.length / p.dim): Float32Array {
  const d = p.dim;
  if (data.length < rows * d) throw new LinalgError(`expected ${rows}×${d} values, got ${data.length}`);
  if (!Number.isInteger(k) || k < 1 || k * d > p.components.length) throw new LinalgError(`the basis has fewer than ${k} components`);
  const out = new Float32Array(rows * k);
  const centred = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) centred[j] = data[r * d + j]! - p.mean[j]!;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) s += centred[j]! * p.components[base + j]!;
      out[r * k + c] = s;
    }
  }
  return out;
}

function squaredDistance(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) {
    const t = a[ai + j]! - b[j]!;
    s += t * t;
  }
  return s;
}

/** Indices of the `k` rows of `coords` (rows × dim) nearest to `centre`, nearest first. */
export function nearestRows(coords: ArrayLike<number>, dim: number, centre: ArrayLike<number>, k: number): Uint32Array {
  const rows = Math.floor(coords.length / dim);
  const take = Math.max(0, Math.min(k, rows));
  const distances = new Float64Array(rows);
  for (let r = 0; r < rows; r++) distances[r] = squaredDistance(coords, r * dim, centre, dim);
  const order = Uint32Array.from({ length: rows }, (_, i) => i).sort((a, b) => distances[a]! - distances[b]! || a - b);
  return order.slice(0, take);
}

/**
 * The PCA of the rows `indices` of `coords` (rows × dim), with its mean moved to `centre`: the
 * axes along which the neighbourhood of the current latent varies most, with the current latent
 * at the origin.
 */
export function localPca(coords: ArrayLike<number>, dim: number, indices: ArrayLike<number>, centre: ArrayLike<number>, k = 3): Pca {
  if (centre.length !== dim) throw new LinalgError(`the centre has ${centre.length} values, the coordinates ${dim}`);
  const acc = new CovarianceAccumulator(dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    for (let j = 0; j < dim; j++) row[j] = coords[r * dim + j]!;
    acc.add(row, 1);
  }
  const basis = pcaFromAccumulator(acc, k);
  return { ...basis, mean: Float64Array.from(centre) };
}

/**
 * Where a latent with coordinates `query` falls in an embedding of the samples (UMAP has no
 * linear map back): the inverse-distance-weighted mean of the embedding positions of its `k`
 * nearest samples; exactly a sample's position when it coincides with one.
 * @param coords rows × dim sample coordinates
 * @param embedding rows × 3 embedded positions, same row order
 */
export function placeByNeighbours(coords: ArrayLike<number>, dim: number, embedding: ArrayLike<number>, query: ArrayLike<number>, k = 8): [number, number, number] {
  const near = nearestRows(coords, dim, query, k);
  if (near.length === 0) throw new LinalgError('there are no samples to place the latent among');
  const out: [number, number, number] = [0, 0, 0];
  let total = 0;
  for (const r of near) {
    const d2 = squaredDistance(coords, r * dim, query, dim);
    if (d2 === 0) return [embedding[r * 3]!, embedding[r * 3 + 1]!, embedding[r * 3 + 2]!];
    const weight = 1 / d2;
    total += weight;
    for (let c = 0; c < 3; c++) out[c]! += weight * embedding[r * 3 + c]!;
  }
  return [out[0] / total, out[1] / total, out[2] / total];
}

/** A linear placement of map points: `(coordinate − centre) · scale` on each axis. */
export interface MapFrame {
  centre: [number, number, number];
  scale: number;
}

/**
 * The frame that puts `positions` (rows × 3) around the origin with a standard deviation of 1
 * along their widest axis, so every projection fills the same view.
 */
export function fitFrame(positions: ArrayLike<number>): MapFrame {
  const rows = Math.floor(positions.length / 3);
  if (rows === 0) return { centre: [0, 0, 0], scale: 1 };
  const mean: [number, number, number] = [0, 0, 0];
  for (let r = 0; r < rows; r++) for (let c = 0; c < 3; c++) mean[c]! += positions[r * 3 + c]! / rows;
  let widest = 0;
  for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let r = 0; r < rows; r++) v += (positions[r * 3 + c]! - mean[c]!) ** 2;
    widest = Math.max(widest, v / rows);
  }
  return { centre: mean, scale: widest > 0 ? 1 / Math.sqrt(widest) : 1 };
}

/** Options of a UMAP run. */
export interface UmapOptions {
  /** Neighbours per point (umap-js default 15). */
  neighbours?: number;
  minDist?: number;
  /** Seed of the run's random numbers: the same data and seed give the same layout. */
  seed?: number;
  /** Optimisation epochs (umap-js picks 200–500 by size when omitted). */
  epochs?: number;
}

/**
 * A UMAP layout into 3-D that runs in pieces (one `initialize`, then `step`s of a few epochs), so
 * a worker can report progress and stop between pieces.
 */
export class UmapRun {
  private readonly umap: UMAP;
  private readonly data: number[][];
  private epochs = 0;

  /** @param coords rows × dim sample coordinates (usually their first PCA coordinates) */
  constructor(coords: ArrayLike<number>, dim: number, options: UmapOptions = {}) {
    const rows = Math.floor(coords.length / dim);
    const neighbours = Math.min(options.neighbours ?? 15, rows - 1);
    if (neighbours < 2) throw new LinalgError(`UMAP needs at least 3 samples, got ${rows}`);
    this.data = Array.from({ length: rows }, (_, r) => Array.from({ length: dim }, (_, j) => coords[r * dim + j]!));
    const random = new RandomState(options.seed ?? 0);
    this.umap = new UMAP({
      nComponents: 3,
      nNeighbors: neighbours,
      minDist: options.minDist ?? 0.1,
      random: () => random.randomDouble(),
      ...(options.epochs ? { nEpochs: options.epochs } : {}),
    });
  }

  /** Nearest neighbours and the fuzzy graph (the one long piece); returns the number of epochs. */
  initialize(): number {
    this.epochs = this.umap.initializeFit(this.data);
    return this.epochs;
  }

  /** Run up to `count` more epochs; returns the epochs done so far. */
  step(count: number): number {
    let done = 0;
    for (let i = 0; i < count; i++) done = this.umap.step();
    return done;
  }

  /** Total epochs (after initialize). */
  get totalEpochs(): number {
    return this.epochs;
  }

  /** The current layout, rows × 3. */
  embedding(): Float32Array {
    const rows = this.umap.getEmbedding();
    const out = new Float32Array(rows.length * 3);
    rows.forEach((row, r) => out.set(row.slice(0, 3), r * 3));
    return out;
  }
}
