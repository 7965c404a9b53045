/**
 * Interpolating cubic splines through vector-valued keyframes at given times, C² continuous.
 * Closed (periodic) splines make seamless loops: NVIDIA's gen_video.py gets the same effect by
 * tiling the keyframes and fitting scipy's cubic interp1d; a periodic spline is exact. Open
 * splines use natural end conditions (zero curvature at the ends).
 */

/** A fitted spline: call `at(t, out)` for the vector at time t. */
export interface CubicSpline {
  dim: number;
  /** Times of the keyframes (and, for closed splines, the period end). */
  knots: Float64Array;
  closed: boolean;
  at(t: number, out?: Float64Array): Float64Array;
}

/** Solve A·X = B for X (A n×n, B n×m, both row-major), by Gaussian elimination with pivoting. */
function solve(a: Float64Array, b: Float64Array, n: number, m: number): Float64Array {
  const A = Float64Array.from(a);
  const X = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r * n + col]!) > Math.abs(A[pivot * n + col]!)) pivot = r;
    if (A[pivot * n + col] === 0) throw new RangeError('spline system is singular: keyframe times must differ');
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [A[col * n + k], A[pivot * n + k]] = [A[pivot * n + k]!, A[col * n + k]!];
      for (let k = 0; k < m; k++) [X[col * m + k], X[pivot * m + k]] = [X[pivot * m + k]!, X[col * m + k]!];
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = A[r * n + col]! / A[col * n + col]!;
      if (f === 0) continue;
      for (let k = col; k < n; k++) A[r * n + k]! -= f * A[col * n + k]!;
      for (let k = 0; k < m; k++) X[r * m + k]! -= f * X[col * m + k]!;
    }
  }
  for (let r = 0; r < n; r++) for (let k = 0; k < m; k++) X[r * m + k]! /= A[r * n + r]!;
  return X;
}

/**
 * Fit a cubic spline through `points` (count × dim, row-major) at increasing `times`. Closed: the
 * curve returns to points[0] at `period` (> last time) with matching first and second derivatives.
 */
export function cubicSpline(points: ArrayLike<number>, times: readonly number[], dim: number, closed: boolean, period?: number): CubicSpline {
  const n = times.length;
  if (n < 1 || points.length !== n * dim) throw new RangeError(`expected ${n}×${dim} values, got ${points.length}`);
  for (let i = 1; i < n; i++) if (!(times[i]! > times[i - 1]!)) throw new RangeError('keyframe times must increase');
  const end = closed ? (period ?? NaN) : times[n - 1]!;
  if (closed && !(end > times[n - 1]!)) throw new RangeError('a closed spline needs a period after the last keyframe');

  // Segments: n − 1 open, n closed (the last one wraps to point 0).
  const segments = closed ? n : n - 1;
  const knots = Float64Array.from(closed ? [...times, end] : times);
  const y = (i: number, j: number) => points[(i % n) * dim + j]!;
  const h = (i: number) => knots[i + 1]! - knots[i]!;

  // Second derivatives M at each distinct knot (n of them).
  let M: Float64Array = new Float64Array(n * dim);
  if (segments >= 2 || (closed && n >= 2)) {
    const A = new Float64Array(n * n);
    const R = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      if (!closed && (i === 0 || i === n - 1)) {
        A[i * n + i] = 1; // natural ends: M = 0
        continue;
      }
      const prev = (i - 1 + n) % n;
      const next = (i + 1) % n;
      const hPrev = closed && i === 0 ? h(n - 1) : h(i - 1);
      const hNext = h(i);
      A[i * n + prev]! += hPrev;
      A[i * n + i]! += 2 * (hPrev + hNext);
      A[i * n + next]! += hNext;
      for (let j = 0; j < dim; j++) R[i * dim + j] = 6 * ((y(i + 1, j) - y(i, j)) / hNext - (y(i, j) - y(i - 1 + n, j)) / hPrev);
    }
    M = solve(A, R, n, dim);
  }

  return {
    dim,
    knots,
    closed,
    at(t: number, out = new Float64Array(dim)): Float64Array {
      if (n === 1) {
        for (let j = 0; j < dim; j++) out[j] = points[j]!;
        return out;
      }
      let u = t;
      if (closed) u = knots[0]! + ((((t - knots[0]!) % (end - knots[0]!)) + (end - knots[0]!)) % (end - knots[0]!));
      else u = Math.min(Math.max(t, knots[0]!), end);
      let i = 0;
      while (i < segments - 1 && u >= knots[i + 1]!) i++;
      const hi = h(i);
      const a = knots[i + 1]! - u;
      const b = u - knots[i]!;
      const i1 = (i + 1) % n;
      for (let j = 0; j < dim; j++) {
        const m0 = M[i * dim + j]!;
        const m1 = M[i1 * dim + j]!;
        out[j] = (m0 * a ** 3 + m1 * b ** 3) / (6 * hi) + (y(i, j) / hi - (m0 * hi) / 6) * a + (y(i1, j) / hi - (m1 * hi) / 6) * b;
      }
      return out;
    },
  };
}
