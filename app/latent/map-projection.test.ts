/**
 * The latent map's projections on data whose geometry is known by construction: a cloud with
 * chosen axes and spreads in 5-D, points on a line, and two far-apart clusters for UMAP.
 */
import { describe, expect, it } from 'vitest';
import { fitFrame, localPca, nearestRows, placeByNeighbours, projectRows, UmapRun } from './map-projection';
import { pca, project } from './pca';
import { RandomState } from './random';

/** An orthonormal 5×5 basis (rows): a signed permutation mixed by two exact 45° rotations. */
const S = Math.SQRT1_2;
const AXES = [
  [S, S, 0, 0, 0],
  [0, 0, 1, 0, 0],
  [S, -S, 0, 0, 0],
  [0, 0, 0, S, S],
  [0, 0, 0, S, -S],
];
const SPREAD = [5, 2, 0.5, 0.1, 0.05];
const MEAN = [1, -2, 3, 0.5, 4];

/** n samples: MEAN + Σ_c t_c · SPREAD_c · AXES_c with standard normal t; returns data and the t's. */
function cloud(n: number, seed = 3): { data: Float64Array; t: Float64Array } {
  const rs = new RandomState(seed);
  const t = rs.randn(n * 5);
  const data = new Float64Array(n * 5);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < 5; j++) {
      let v = MEAN[j]!;
      for (let c = 0; c < 5; c++) v += t[r * 5 + c]! * SPREAD[c]! * AXES[c]![j]!;
      data[r * 5 + j] = v;
    }
  }
  return { data, t };
}

describe('projectRows', () => {
  it('recovers the coordinates a cloud was built from, up to each axis sign', () => {
    const n = 4000;
    const { data, t } = cloud(n);
    const basis = pca(data, n, 5, 3);
    const coords = projectRows(basis, data, n);
    expect(coords.length).toBe(n * 3);
    for (let c = 0; c < 3; c++) {
      // The component is the construction axis (either sign); coordinates are t·spread about the sample mean.
      const sign = Math.sign(basis.components[c * 5]! * AXES[c]![0]! + basis.components[c * 5 + 2]! * AXES[c]![2]! + basis.components[c * 5 + 3]! * AXES[c]![3]!);
      for (const r of [0, 1, 17, 999, n - 1]) {
        const built = t[r * 5 + c]! * SPREAD[c]!;
        // Sampling noise: the basis is off by O(1/√n) and the mean by O(spread/√n).
        expect(coords[r * 3 + c]! * sign).toBeCloseTo(built, 0);
        expect(Math.abs(coords[r * 3 + c]! * sign - built)).toBeLessThan(0.25 + 0.02 * Math.abs(built));
      }
    }
  });

  it('puts a latent built from the basis exactly where the basis says, and agrees with project()', () => {
    const n = 500;
    const { data } = cloud(n, 9);
    const basis = pca(data, n, 5, 3);
    // mean + 2·c₀ − 1.5·c₁ + 0.25·c₂ lands at (2, −1.5, 0.25) by orthonormality.
    const x = Array.from({ length: 5 }, (_, j) => basis.mean[j]! + 2 * basis.components[j]! - 1.5 * basis.components[5 + j]! + 0.25 * basis.components[10 + j]!);
    const [a, b, c] = projectRows(basis, x, 1);
    expect(a).toBeCloseTo(2, 5);
    expect(b).toBeCloseTo(-1.5, 5);
    expect(c).toBeCloseTo(0.25, 5);
    // Any sample: the batch projection and the one-latent projection are the same map.
    const all = projectRows(basis, data, n);
    for (const r of [0, 123, n - 1]) {
      const one = project(basis, data.subarray(r * 5, r * 5 + 5));
      for (let k = 0; k < 3; k++) expect(all[r * 3 + k]).toBeCloseTo(one[k]!, 4);
    }
  });

  it('keeps fewer components when asked, and refuses more than the basis has', () => {
    const { data } = cloud(50);
    const basis = pca(data, 50, 5, 3);
    expect(projectRows(basis, data, 50, 2).length).toBe(100);
    expect(() => projectRows(basis, data, 50, 4)).toThrow(/fewer than 4/);
    expect(() => projectRows(basis, data.subarray(0, 12), 3)).toThrow(/3×5/);
  });
});

describe('nearestRows', () => {
  it('orders rows by distance to the centre, ties by index', () => {
    // Points on a line at x = 0, 1, …, 9 (2-D, y = 0); the centre sits at x = 4.2.
    const coords = Float32Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i / 2 : 0));
    expect(Array.from(nearestRows(coords, 2, [4.2, 0], 4))).toEqual([4, 5, 3, 6]);
    expect(Array.from(nearestRows(coords, 2, [4.5, 0], 2))).toEqual([4, 5]);
    expect(nearestRows(coords, 2, [0, 0], 50).length).toBe(10);
  });
});

describe('localPca', () => {
  it('finds the direction the neighbourhood varies along, with the centre at the origin', () => {
    // 3-D samples on the line (1, 1, 0)·s + (0, 0, 3), plus a small orthogonal wobble.
    const rows = 40;
    const coords = new Float32Array(rows * 3);
    for (let r = 0; r < rows; r++) coords.set([r * 0.1, r * 0.1, 3 + (r % 2 ? 0.01 : -0.01)], r * 3);
    const centre = [2, 2, 3];
    const basis = localPca(coords, 3, Uint32Array.from({ length: rows }, (_, i) => i), centre, 2);
    expect(Math.abs(basis.components[0]!)).toBeCloseTo(Math.SQRT1_2, 3);
    expect(Math.abs(basis.components[1]!)).toBeCloseTo(Math.SQRT1_2, 3);
    expect(Array.from(project(basis, centre))).toEqual([0, 0]);
    // One unit along the line from the centre is one unit along the first axis.
    const along = project(basis, [2 + Math.SQRT1_2, 2 + Math.SQRT1_2, 3]);
    expect(Math.abs(along[0]!)).toBeCloseTo(1, 6);
  });
});

describe('placeByNeighbours', () => {
  const coords = Float32Array.of(0, 0, 10, 0, 0, 10);
  const embedding = Float32Array.of(1, 2, 3, -1, -2, -3, 5, 5, 5);

  it('returns a sample’s own position when the latent coincides with it', () => {
    expect(placeByNeighbours(coords, 2, embedding, [10, 0], 3)).toEqual([-1, -2, -3]);
  });

  it('weights neighbours by inverse squared distance', () => {
    // Equidistant from samples 0 and 1 (k = 2): their midpoint.
    const [x, y, z] = placeByNeighbours(coords, 2, embedding, [5, -5], 2);
    expect(x).toBeCloseTo(0, 12);
    expect(y).toBeCloseTo(0, 12);
    expect(z).toBeCloseTo(0, 12);
    // At distance 1 from sample 0 and 9 from sample 1 (squared 1 and 81): weights 81 : 1.
    const near0 = placeByNeighbours(coords, 2, embedding, [1, 0], 2);
    expect(near0[0]).toBeCloseTo((81 * 1 + 1 * -1) / 82, 12);
  });
});

describe('fitFrame', () => {
  it('centres on the mean and scales the widest axis to unit deviation', () => {
    // x ∈ {−4, 4} (sd 4), y ∈ {0, 2} (sd 1), z = 7.
    const frame = fitFrame(Float32Array.of(-4, 0, 7, 4, 2, 7, -4, 2, 7, 4, 0, 7));
    expect(frame.centre).toEqual([0, 1, 7]);
    expect(frame.scale).toBeCloseTo(0.25, 12);
  });
});

describe('UmapRun', () => {
  it('keeps two far-apart clusters apart, in steps that report progress', () => {
    const rs = new RandomState(1);
    const per = 30;
    const noise = rs.randn(2 * per * 4);
    const coords = new Float32Array(2 * per * 4);
    for (let r = 0; r < 2 * per; r++) for (let j = 0; j < 4; j++) coords[r * 4 + j] = (r < per ? 0 : 20) + noise[r * 4 + j]!;
    const run = new UmapRun(coords, 4, { seed: 5, neighbours: 8, epochs: 60 });
    const total = run.initialize();
    expect(total).toBe(60);
    let done = 0;
    while (done < total) {
      const next = run.step(25);
      expect(next).toBeGreaterThan(done);
      done = next;
    }
    const e = run.embedding();
    expect(e.length).toBe(2 * per * 3);
    const centroid = (from: number) => [0, 1, 2].map((c) => Array.from({ length: per }, (_, i) => e[(from + i) * 3 + c]!).reduce((a, b) => a + b) / per);
    const a = centroid(0);
    const b = centroid(per);
    const spread = (from: number, m: number[]) =>
      Math.sqrt(Array.from({ length: per }, (_, i) => [0, 1, 2].reduce((s, c) => s + (e[(from + i) * 3 + c]! - m[c]!) ** 2, 0)).reduce((x, y) => x + y) / per);
    const gap = Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
    expect(gap).toBeGreaterThan(2 * Math.max(spread(0, a), spread(per, b)));
  });

  it('refuses too few samples', () => {
    expect(() => new UmapRun(Float32Array.of(0, 1, 2, 3), 2)).toThrow(/at least 3 samples/);
  });
});
