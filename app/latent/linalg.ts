/**
 * Dense symmetric eigendecomposition (float64), for PCA of latents and SeFa's closed form.
 * Householder reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson-style
 * shifts: O(n³), a few hundred ms for n = 512 in a worker. Written from the textbook algorithm
 * (Golub & Van Loan §8.3); matrices are row-major Float64Arrays.
 */

/** Eigenpairs sorted by eigenvalue, largest first. */
export interface Eigen {
  /** n eigenvalues, descending. */
  values: Float64Array;
  /** n×n row-major: row k is the unit eigenvector of values[k]. */
  vectors: Float64Array;
  n: number;
}

/** Raised when the input is not a finite square symmetric matrix, or QL fails to converge. */
export class LinalgError extends Error {
  override readonly name = 'LinalgError';
}

/**
 * Eigendecomposition of the symmetric n×n matrix `a` (row-major; only symmetry up to rounding is
 * assumed: the lower triangle is used). The input is not modified.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): Eigen {
  if (!Number.isInteger(n) || n <= 0 || a.length !== n * n) throw new LinalgError(`expected an ${n}×${n} matrix, got ${a.length} values`);
  // z holds the accumulated orthogonal transform, column-major by our indexing z[i*n+j] = Z[i][j].
  const z = Float64Array.from(a);
  for (let i = 0; i < z.length; i++) if (!Number.isFinite(z[i]!)) throw new LinalgError('the matrix has NaN or infinite entries');
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(z, n, d, e);
  tridiagonalQl(d, e, z, n);

  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y]! - d[x]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, k) => {
    values[k] = d[col]!;
    for (let i = 0; i < n; i++) vectors[k * n + i] = z[i * n + col]!;
  });
  return { values, vectors, n };
}

/** Householder reduction of symmetric z (in place) to tridiagonal d (diagonal), e (sub-diagonal). */
function tridiagonalize(z: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(z[i * n + k]!);
      if (scale === 0) {
        e[i] = z[i * n + l]!;
      } else {
        for (let k = 0; k <= l; k++) {
          z[i * n + k]! /= scale;
          h += z[i * n + k]! * z[i * n + k]!;
        }
        let f = z[i * n + l]!;
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        z[i * n + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          z[j * n + i] = z[i * n + j]! / h;
          let gg = 0;
          for (let k = 0; k <= j; k++) gg += z[j * n + k]! * z[i * n + k]!;
          for (let k = j + 1; k <= l; k++) gg += z[k * n + j]! * z[i * n + k]!;
          e[j] = gg / h;
          f += e[j]! * z[i * n + j]!;
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = z[i * n + j]!;
          const gj = e[j]! - hh * fj;
          e[j] = gj;
          for (let k = 0; k <= j; k++) z[j * n + k]! -= fj * e[k]! + gj * z[i * n + k]!;
        }
      }
    } else {
      e[i] = z[i * n + l]!;
    }
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  for (let i = 0; i < n; i++) {
    const l = i - 1;
    if (d[i] !== 0) {
      for (let j = 0; j <= l; j++) {
        let g = 0;
        for (let k = 0; k <= l; k++) g += z[i * n + k]! * z[k * n + j]!;
        for (let k = 0; k <= l; k++) z[k * n + j]! -= g * z[k * n + i]!;
      }
    }
    d[i] = z[i * n + i]!;
    z[i * n + i] = 1;
    for (let j = 0; j <= l; j++) {
      z[j * n + i] = 0;
      z[i * n + j] = 0;
    }
  }
}

/** Implicit QL on the tridiagonal (d, e), accumulating rotations into z's columns. */
function tridiagonalQl(d: Float64Array, e: Float64Array, z: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iterations++ === 60) throw new LinalgError('eigenvalues did not converge');
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i]!;
          const b = c * e[i]!;
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1]! -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          for (let k = 0; k < n; k++) {
            f = z[k * n + i + 1]!;
            z[k * n + i + 1] = s * z[k * n + i]! + c * f;
            z[k * n + i] = c * z[k * n + i]! - s * f;
          }
        }
        if (r === 0 && i >= l) continue;
        d[l]! -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}
