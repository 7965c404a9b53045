/**
 * CMA-ES on functions whose minimum is known in closed form: a shifted, rotated, ill-conditioned
 * quadratic (what a latent's loss looks like near its optimum) and Rosenbrock's curved valley.
 */
import { describe, expect, it } from 'vitest';
import { Cma } from './cma';

function minimise(f: (x: Float64Array) => number, cma: Cma, generations: number): void {
  for (let g = 0; g < generations; g++) cma.tell(cma.ask().map(f));
}

/** A fixed rotation of R^n: product of Givens rotations by known angles. */
function rotate(x: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(x);
  for (let i = 0; i + 1 < out.length; i++) {
    const angle = 0.7 + 0.3 * i;
    const [a, b] = [out[i]!, out[i + 1]!];
    out[i] = Math.cos(angle) * a - Math.sin(angle) * b;
    out[i + 1] = Math.sin(angle) * a + Math.cos(angle) * b;
  }
  return out;
}

describe('CMA-ES', () => {
  it('finds the minimum of a shifted, rotated quadratic with condition number 10⁴ to 1e-5', () => {
    const n = 8;
    const shift = Float64Array.from({ length: n }, (_, i) => 3 - i * 0.9);
    const f = (x: Float64Array) => {
      const r = rotate(x.map((v, i) => v - shift[i]!));
      return r.reduce((s, v, i) => s + 10 ** ((4 * i) / (n - 1)) * v * v, 0) + 5;
    };
    const cma = new Cma({ mean: new Float64Array(n), sigma: 2, seed: 1 });
    minimise(f, cma, 600);
    const best = cma.best!;
    expect(best.value - 5).toBeLessThan(1e-8);
    for (let i = 0; i < n; i++) expect(Math.abs(best.x[i]! - shift[i]!)).toBeLessThan(1e-5);
  });

  it('follows Rosenbrock’s valley to (1, …, 1) in 4 dimensions within 1e-4', () => {
    const f = (x: Float64Array) => {
      let s = 0;
      for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
      return s;
    };
    const cma = new Cma({ mean: [-1.2, 1, -1.2, 1], sigma: 0.5, seed: 3 });
    minimise(f, cma, 1500);
    for (const v of cma.best!.x) expect(Math.abs(v - 1)).toBeLessThan(1e-4);
  });

  it('is deterministic given its seed, and another seed samples elsewhere', () => {
    const run = (seed: number) => {
      const cma = new Cma({ mean: [0, 0, 0], sigma: 1, seed });
      minimise((x) => x.reduce((s, v) => s + (v - 1) ** 2, 0), cma, 20);
      return Array.from(cma.best!.x);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('ranks non-finite values last, and refuses values that do not match the population', () => {
    const cma = new Cma({ mean: [0, 0], sigma: 1, seed: 0, populationSize: 4 });
    const population = cma.ask();
    cma.tell([NaN, 2, Infinity, 1]);
    expect(Array.from(cma.best!.x)).toEqual(Array.from(population[3]!));
    cma.ask();
    expect(() => cma.tell([1, 2])).toThrow(/expected 4 values/);
    expect(() => new Cma({ mean: [], sigma: 1, seed: 0 })).toThrow(RangeError);
  });
});
