/**
 * PCA of latents (GANSpace-style directions, the latent map's projection). The covariance is
 * accumulated chunk by chunk as samples arrive from the mapping network, then decomposed once.
 */
import { symmetricEigen, LinalgError } from './linalg';

/** Principal components of a set of d-dimensional samples. */
export interface Pca {
  dim: number;
  /** Sample mean, length d. */
  mean: Float64Array;
  /** k×d row-major unit vectors, by decreasing variance. Sign: the largest-magnitude entry is positive. */
  components: Float64Array;
  /** k standard deviations σ of the samples along each component. */
  sigma: Float64Array;
  /** Fraction of the total variance each component explains. */
  explained: Float64Array;
  /** Number of samples. */
  count: number;
}

/**
 * Running sums for the covariance of d-dimensional samples, added in chunks. Sums are shifted by
 * the first sample so that large means do not cost precision.
 */
export class CovarianceAccumulator {
  private count = 0;
  private shift: Float64Array | null = null;
  private readonly sum: Float64Array;
  private readonly outer: Float64Array;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim <= 0) throw new LinalgError(`dimension must be a positive integer, got ${dim}`);
    this.sum = new Float64Array(dim);
    this.outer = new Float64Array(dim * dim);
  }

  /** Number of samples added so far. */
  get samples(): number {
    return this.count;
  }

  /** Add `rows` samples stored row-major in `data` (rows × dim). */
  add(data: ArrayLike<number>, rows = data.length / this.dim): void {
    const d = this.dim;
    if (!Number.isInteger(rows) || data.length < rows * d) throw new LinalgError(`expected ${rows}×${d} values, got ${data.length}`);
    if (rows === 0) return;
    this.shift ??= Float64Array.from({ length: d }, (_, j) => data[j]!);
    const x = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) {
        const v = data[r * d + j]! - this.shift[j]!;
        if (!Number.isFinite(v)) throw new LinalgError(`sample ${this.count + r} has NaN or infinite values`);
        x[j] = v;
        this.sum[j]! += v;
      }
      // Lower triangle only; mirrored in finish().
      for (let i = 0; i < d; i++) {
        const xi = x[i]!;
        const row = i * d;
        for (let j = 0; j <= i; j++) this.outer[row + j]! += xi * x[j]!;
      }
    }
    this.count += rows;
  }

  /** The mean and the sample covariance (divided by count − 1). */
  finish(): { mean: Float64Array; covariance: Float64Array } {
    const d = this.dim;
    if (this.count < 2 || !this.shift) throw new LinalgError('PCA needs at least two samples');
    const n = this.count;
    const meanShifted = this.sum.map((s) => s / n);
    const covariance = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const c = (this.outer[i * d + j]! - n * meanShifted[i]! * meanShifted[j]!) / (n - 1);
        covariance[i * d + j] = c;
        covariance[j * d + i] = c;
      }
    }
    const mean = meanShifted.map((m, j) => m + this.shift![j]!);
    return { mean, covariance };
  }
}

/** The top `k` principal components of the samples in `acc`. */
export function pcaFromAccumulator(acc: CovarianceAccumulator, k: number): Pca {
  const { mean, covariance } = acc.finish();
  const d = acc.dim;
  const top = Math.min(k, d);
  const { values, vectors } = symmetricEigen(covariance, d);
  const total = values.reduce((a, v) => a + Math.max(v, 0), 0);
  const components = new Float64Array(top * d);
  const sigma = new Float64Array(top);
  const explained = new Float64Array(top);
  for (let c = 0; c < top; c++) {
    const v = vectors.subarray(c * d, (c + 1) * d);
    let peak = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j]!) > Math.abs(peak)) peak = v[j]!;
    const sign = peak < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[c * d + j] = sign * v[j]!;
    sigma[c] = Math.sqrt(Math.max(values[c]!, 0));
    explained[c] = total > 0 ? Math.max(values[c]!, 0) / total : 0;
  }
  return { dim: d, mean, components, sigma, explained, count: acc.samples };
}

/** PCA of `rows` samples (row-major rows × dim), top `k` components. */
export function pca(data: ArrayLike<number>, rows: number, dim: number, k: number): Pca {
  const acc = new CovarianceAccumulator(dim);
  acc.add(data, rows);
  return pcaFromAccumulator(acc, k);
}

/** Coordinates of one sample along the components: (x − mean) · componentsᵀ. */
export function project(p: Pca, x: ArrayLike<number>, out = new Float64Array(p.components.length / p.dim)): Float64Array {
  const d = p.dim;
  if (x.length !== d) throw new LinalgError(`sample has ${x.length} values, PCA has dimension ${d}`);
  for (let c = 0; c < out.length; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (x[j]! - p.mean[j]!) * p.components[c * d + j]!;
    out[c] = s;
  }
  return out;
}
