import { describe, expect, it } from 'vitest';
import { erf, erfc, logNdtr, ndtr, ndtri, ndtriExp, truncatedNormalPpf } from './normal';

// Expected values are mpmath's at 40 digits, rounded to double.
function close(actual: number, expected: number, rel = 4e-16): void {
  const error = Math.abs(actual - expected);
  expect(error, `${actual} vs ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * rel);
}

describe('normal distribution functions', () => {
  it('evaluate erf, erfc and Φ', () => {
    close(erf(1), 0.8427007929497149);
    close(erf(-1), -0.8427007929497149);
    close(erfc(2), 0.004677734981047266);
    close(erfc(10), 2.088487583762545e-45, 1e-15);
    expect(ndtr(0)).toBe(0.5);
    close(ndtr(-3), 0.0013498980316300946, 2e-15);
    expect(erfc(30)).toBe(0);
  });

  it('evaluate log Φ in both tails', () => {
    close(logNdtr(-10), -53.23128515051247);
    close(logNdtr(-40), -804.6084420137538);
    close(logNdtr(3), -0.0013508099647481938, 1e-15);
    expect(logNdtr(-Infinity)).toBe(-Infinity);
  });

  it('invert Φ and log Φ', () => {
    close(ndtri(0.975), 1.9599639845400543);
    close(ndtri(1e-10), -6.361340902404057);
    expect(ndtri(0.5)).toBe(0);
    expect(ndtri(0)).toBe(-Infinity);
    expect(ndtri(1)).toBe(Infinity);
    expect(ndtri(1.5)).toBeNaN();
    close(ndtriExp(-1000), -44.6157477319694);
    for (const x of [-30, -5, -1.5, -0.3, 0.2, 1, 2.5]) close(ndtriExp(logNdtr(x)), x, 1e-13);
  });

  it('give a truncated-normal quantile that spans [a, b]', () => {
    for (const [a, b] of [[-2, 2], [0.5, 3], [-3, -0.5], [-1, Infinity]]) {
      const ppf = truncatedNormalPpf(a, b);
      close(ppf(0), a, 1e-13);
      for (let q = 0.05; q < 1; q += 0.05) {
        const x = ppf(q);
        expect(x).toBeGreaterThan(a);
        expect(x).toBeLessThan(b);
        // the fraction of the [a, b] mass below x is q
        close((ndtr(x) - ndtr(a)) / (ndtr(b) - ndtr(a)), q, 1e-12);
      }
    }
    expect(truncatedNormalPpf(-2, 2)(0.5)).toBeCloseTo(0, 15);
    expect(() => truncatedNormalPpf(1, 1)).toThrow(RangeError);
    expect(() => truncatedNormalPpf(NaN, 1)).toThrow(RangeError);
  });
});
