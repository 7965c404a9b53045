/**
 * Edit directions — the vectors behind attribute sliders — and the ways the studio makes them:
 * GANSpace PCA components, SeFa eigenvectors, imported files (InterFaceGAN boundaries and the like),
 * directions taught by example, and conditional editing (one direction made orthogonal to others).
 * A direction becomes an {@link Edit} (app/state/latent-state.ts) when its slider moves.
 */
import { z } from 'zod';
import type { FloatArray } from '../codecs/npy';
import type { Pca } from './pca';
import type { Factorization } from './sefa';

/** Where a direction came from. */
export type DirectionSource = 'pca' | 'sefa' | 'import' | 'taught' | 'orthogonal';

/** The most directions kept per model (the saved list must fit the host's request size). */
export const MAX_DIRECTIONS = 128;
/** The most values in one direction vector. */
export const MAX_DIRECTION_DIM = 4096;
/** Marked examples each side needs before a direction can be taught. */
export const MIN_EXAMPLES = 5;

/** Run-time schema of a direction (the host validates saved lists against it). */
export const directionSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  source: z.enum(['pca', 'sefa', 'import', 'taught', 'orthogonal']),
  space: z.enum(['w', 'z']),
  /** Unit vector, w_dim (W space) or z_dim (Z space) values. */
  vector: z.array(z.number().finite()).min(1).max(MAX_DIRECTION_DIM),
  /** Slider unit: σ of the component for PCA (slider in σ units), 1 otherwise. */
  scale: z.number().finite().positive(),
  /** Inclusive ws rows the edit applies to by default; null = every row. */
  rows: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).nullable(),
  /** What the direction is, for the user (variance explained, eigenvalue, file name…). */
  note: z.string().max(500),
});

/** A named edit direction of one model. */
export type Direction = z.infer<typeof directionSchema>;

/** Raised when a direction cannot be made from the input; the message says what to do. */
export class DirectionError extends Error {
  override readonly name = 'DirectionError';
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}

/** `v / |v|` as a plain array; throws {@link DirectionError} on a zero or non-finite vector. */
export function unit(v: ArrayLike<number>): number[] {
  const norm = Math.sqrt(dot(v, v));
  if (!Number.isFinite(norm)) throw new DirectionError('the direction has NaN or infinite values');
  if (norm === 0) throw new DirectionError('the direction is all zeros');
  return Array.from(v, (x) => x / norm);
}

/** Cosine of the angle between two vectors. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

/** The first `count` principal components as sliders in σ units (GANSpace), ids `<idPrefix><k>`. */
export function directionsFromPca(p: Pca, count: number, space: 'w' | 'z', idPrefix = 'pca-'): Direction[] {
  const k = Math.min(count, p.sigma.length);
  return Array.from({ length: k }, (_, c) => ({
    id: `${idPrefix}${c + 1}`,
    name: `PC${c + 1}`,
    source: 'pca' as const,
    space,
    vector: Array.from(p.components.subarray(c * p.dim, (c + 1) * p.dim)),
    scale: p.sigma[c]! > 0 ? p.sigma[c]! : 1,
    rows: null,
    note: `σ ${p.sigma[c]!.toPrecision(3)} · ${(100 * p.explained[c]!).toFixed(1)} % of the variance of ${p.count} samples`,
  }));
}

/** The first `count` SeFa eigenvectors (slider unit 1), applied to `rows`, ids `<idPrefix><k>`. */
export function directionsFromSefa(
  f: Factorization,
  count: number,
  options: { space: 'w' | 'z'; rows: [number, number] | null; label: string; idPrefix: string },
): Direction[] {
  const k = Math.min(count, f.dim);
  return Array.from({ length: k }, (_, c) => ({
    id: `${options.idPrefix}${c + 1}`,
    name: `SeFa ${options.label} ${c + 1}`,
    source: 'sefa' as const,
    space: options.space,
    vector: Array.from(f.vectors.subarray(c * f.dim, (c + 1) * f.dim)),
    scale: 1,
    rows: options.rows,
    note: `eigenvalue ${f.values[c]!.toPrecision(4)} of ${f.layers.length} layer${f.layers.length === 1 ? '' : 's'}`,
  }));
}

/**
 * Directions from an imported array of shape [dim], [1, dim] or [k, dim] (InterFaceGAN saves a
 * boundary as [1, dim]). Each row is normalised, so every slider moves one latent unit per step
 * whatever the file's scale; the original length is kept in the note. Throws
 * {@link DirectionError} naming the shape it expected.
 */
export function directionsFromArray(
  array: FloatArray,
  options: { dim: number; space: 'w' | 'z'; name: string; idPrefix: string },
): Direction[] {
  const { shape, data } = array;
  const { dim } = options;
  const rows = shape.length === 1 && shape[0] === dim ? 1 : shape.length === 2 && shape[1] === dim ? shape[0]! : -1;
  if (rows < 0) {
    throw new DirectionError(
      `${options.name} is shaped (${shape.join(', ')}); this model needs (${dim},), (1, ${dim}) or (k, ${dim}) — save one direction per row`,
    );
  }
  if (rows === 0) throw new DirectionError(`${options.name} holds no directions (shape (${shape.join(', ')}))`);
  return Array.from({ length: rows }, (_, r) => {
    const raw = data.subarray(r * dim, (r + 1) * dim);
    let vector: number[];
    try {
      vector = unit(raw);
    } catch (error) {
      if (!(error instanceof DirectionError)) throw error;
      throw new DirectionError(`${options.name}${rows > 1 ? ` row ${r}` : ''}: ${error.message}`);
    }
    return {
      id: `${options.idPrefix}${r + 1}`,
      name: rows > 1 ? `${options.name} ${r + 1}` : options.name,
      source: 'import' as const,
      space: options.space,
      vector,
      scale: 1,
      rows: null,
      note: `imported, length ${Math.sqrt(dot(raw, raw)).toPrecision(4)}`,
    };
  });
}

/**
 * Conditional editing (InterFaceGAN): `n` with its components along `others` removed, renormalised
 * — for one other direction exactly `n1 − (n1·n2)·n2` with n2 unit. Several others are first made
 * orthonormal (Gram–Schmidt), so the result is orthogonal to each of them. Throws
 * {@link DirectionError} when `n` lies in their span.
 */
export function orthogonalTo(n: ArrayLike<number>, others: readonly ArrayLike<number>[]): number[] {
  const basis: number[][] = [];
  for (const other of others) {
    if (other.length !== n.length) throw new DirectionError(`cannot compare a ${n.length}-value direction with a ${other.length}-value one`);
    const v = Array.from(other);
    for (const b of basis) {
      const p = dot(v, b);
      for (let j = 0; j < v.length; j++) v[j]! -= p * b[j]!;
    }
    const norm = Math.sqrt(dot(v, v));
    // A direction already spanned by the earlier ones adds no constraint.
    if (norm > 1e-9 * Math.sqrt(dot(other, other))) basis.push(v.map((x) => x / norm));
  }
  const out = Array.from(n);
  for (const b of basis) {
    const p = dot(out, b);
    for (let j = 0; j < out.length; j++) out[j]! -= p * b[j]!;
  }
  if (Math.sqrt(dot(out, out)) <= 1e-6 * Math.sqrt(dot(n, n))) {
    throw new DirectionError('the direction lies along the ones it should be orthogonal to: nothing is left of it');
  }
  return unit(out);
}

/**
 * A direction taught by example: the unit difference between the mean of the latents marked as
 * having the attribute and the mean of those marked as lacking it.
 *
 * Why not a linear classifier's normal: with 5–20 examples in 64–512 dimensions the two sets are
 * always linearly separable, so an unregularised logistic regression or SVM has infinitely many
 * separating normals and the one it returns is decided by a few support points and the optimiser,
 * i.e. by noise. Regularising fixes that, and in the strongly regularised limit the L2-logistic
 * normal tends to exactly this difference of means (the loss gradient at w = 0 is Σᵢ(yᵢ − ½)xᵢ).
 * It is deterministic, instant, and unbiased when the two sets differ only along the attribute.
 */
export function differenceOfMeans(positives: readonly ArrayLike<number>[], negatives: readonly ArrayLike<number>[]): number[] {
  if (positives.length < MIN_EXAMPLES || negatives.length < MIN_EXAMPLES) {
    throw new DirectionError(
      `mark at least ${MIN_EXAMPLES} samples as having and ${MIN_EXAMPLES} as lacking the attribute (now ${positives.length} and ${negatives.length})`,
    );
  }
  const dim = positives[0]!.length;
  const mean = (set: readonly ArrayLike<number>[]) => {
    const m = new Float64Array(dim);
    for (const x of set) {
      if (x.length !== dim) throw new DirectionError('the marked samples come from latents of different sizes: clear the marks and start again');
      for (let j = 0; j < dim; j++) m[j]! += x[j]! / set.length;
    }
    return m;
  };
  const plus = mean(positives);
  const minus = mean(negatives);
  try {
    return unit(plus.map((v, j) => v - minus[j]!));
  } catch (error) {
    if (!(error instanceof DirectionError)) throw error;
    throw new DirectionError('the samples marked as having and lacking the attribute average to the same latent: mark samples that differ');
  }
}
