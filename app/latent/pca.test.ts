/**
 * Eigendecomposition and PCA against numpy.linalg.eigh on the same data (Debian numpy, run by
 * the test), and PCA of data whose principal axes are known by construction.
 */
import { describe, expect, it } from 'vitest';
import { symmetricEigen, LinalgError } from './linalg';
import { CovarianceAccumulator, pca, pcaFromAccumulator, project } from './pca';
import { RandomState } from './random';
import { pythonJson, pythonMissing } from '../../test-support/python';

const numpy = (script: string): unknown => pythonJson(script);
const withNumpy = pythonMissing('numpy') ? describe.skip : describe;

function dot(a: ArrayLike<number>, b: ArrayLike<number>, n: number, ai = 0, bi = 0): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[ai + j]! * b[bi + j]!;
  return s;
}

describe('symmetricEigen', () => {
  it('diagonalises a 2×2 matrix by hand: [[2,1],[1,2]] → 3, 1', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0]! * vectors[1]!).toBeGreaterThan(0); // (1, 1)/√2
  });

  it('reconstructs random symmetric matrices with orthonormal vectors', () => {
    const rs = new RandomState(7);
    for (const n of [1, 3, 17, 64]) {
      const g = rs.randn(n * n);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j]! + g[j * n + i]!;
      const { values, vectors } = symmetricEigen(a, n);
      for (let k = 1; k < n; k++) expect(values[k - 1]!).toBeGreaterThanOrEqual(values[k]!);
      for (let p = 0; p < n; p++) {
        for (let q = 0; q < n; q++) expect(dot(vectors, vectors, n, p * n, q * n)).toBeCloseTo(p === q ? 1 : 0, 9);
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += vectors[k * n + i]! * values[k]! * vectors[k * n + j]!;
          expect(s).toBeCloseTo(a[i * n + j]!, 9);
        }
      }
    }
  });

  it('rejects non-square and non-finite input', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(LinalgError);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/NaN/);
  });
});

describe('pca on data with known axes', () => {
  it('finds the axes, their σ, and projects the mean to the origin', () => {
    // Samples = 5·a·u + 2·b·v + 0.1·noise with orthonormal u, v in 6-D.
    const rs = new RandomState(3);
    const d = 6;
    const u = [1, 1, 0, 0, 0, 0].map((x) => x / Math.SQRT2);
    const v = [0, 0, 1, -1, 1, -1].map((x) => x / 2);
    const n = 20000;
    const data = new Float32Array(n * d);
    const g = rs.randn(n * (2 + d));
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) data[r * d + j] = 10 + 5 * g[r * 8]! * u[j]! + 2 * g[r * 8 + 1]! * v[j]! + 0.1 * g[r * 8 + 2 + j]!;
    }
    const result = pca(data, n, d, 3);
    expect(Math.abs(dot(result.components, u, d, 0))).toBeGreaterThan(0.999);
    expect(Math.abs(dot(result.components, v, d, d))).toBeGreaterThan(0.999);
    expect(result.sigma[0]).toBeCloseTo(5, 0);
    expect(result.sigma[1]).toBeCloseTo(2, 0);
    expect(result.explained[0]! + result.explained[1]!).toBeGreaterThan(0.99);
    const origin = project(result, result.mean);
    for (const c of origin) expect(Math.abs(c)).toBeLessThan(1e-9);
  });

  it('gives the same result whether samples arrive at once or in chunks', () => {
    const rs = new RandomState(11);
    const d = 8;
    const n = 500;
    const data = Float64Array.from(rs.randn(n * d), (x, i) => x * (1 + (i % d)));
    const whole = pca(data, n, d, d);
    const acc = new CovarianceAccumulator(d);
    for (let start = 0; start < n; start += 37) acc.add(data.subarray(start * d, Math.min(n, start + 37) * d));
    const chunked = pcaFromAccumulator(acc, d);
    for (let i = 0; i < whole.components.length; i++) expect(chunked.components[i]).toBeCloseTo(whole.components[i]!, 9);
    for (let i = 0; i < d; i++) expect(chunked.sigma[i]).toBeCloseTo(whole.sigma[i]!, 9);
  });
});

withNumpy('pca against numpy.linalg.eigh', () => {
  it('matches eigenvalues and eigenvectors (up to sign) of the covariance of 2,000 × 32 samples', () => {
    const script = `
import json, numpy as np
rs = np.random.RandomState(5)
mix = rs.randn(32, 32)
x = rs.randn(2000, 32) @ mix + 3.0
c = np.cov(x, rowvar=False)
w, v = np.linalg.eigh(c)
order = np.argsort(w)[::-1]
print(json.dumps({"x": x.ravel().tolist(), "w": w[order].tolist(), "v": v[:, order].T.ravel().tolist()}))
`;
    const ref = numpy(script) as { x: number[]; w: number[]; v: number[] };
    const d = 32;
    const result = pca(ref.x, 2000, d, d);
    for (let k = 0; k < d; k++) {
      expect(result.sigma[k]! ** 2).toBeCloseTo(ref.w[k]!, 6);
      // Well-separated leading components must agree in direction.
      if (k < 10) expect(Math.abs(dot(result.components, ref.v, d, k * d, k * d))).toBeGreaterThan(0.9999);
    }
  });
});
