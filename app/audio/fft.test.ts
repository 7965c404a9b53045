import { describe, expect, it } from 'vitest';
import { hann, RealFft } from './fft';

/** |X[k]|² by the definition X[k] = Σ x[n]·e^(−2πikn/N), for comparison. */
function naivePower(x: ArrayLike<number>): number[] {
  const n = x.length;
  return Array.from({ length: n / 2 + 1 }, (_, k) => {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
      im -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
    }
    return re * re + im * im;
  });
}

describe('RealFft', () => {
  it('matches the DFT by definition on random frames of every size from 4 to 1024', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let size = 4; size <= 1024; size *= 2) {
      const x = Float64Array.from({ length: size }, random);
      const out = new Float64Array(size / 2 + 1);
      new RealFft(size).power(x, out);
      const expected = naivePower(x);
      const scale = Math.max(...expected);
      for (let k = 0; k <= size / 2; k++) expect(Math.abs(out[k]! - expected[k]!) / scale, `size ${size} bin ${k}`).toBeLessThan(1e-9);
    }
  });

  it('puts a windowed sine in its bin, and a DC frame of ones in bin 0 as size²', () => {
    const size = 256;
    const fft = new RealFft(size);
    const out = new Float32Array(size / 2 + 1);
    fft.power(new Float32Array(size).fill(1), out);
    expect(out[0]).toBeCloseTo(size * size, 0);
    expect(Math.max(...out.subarray(1))).toBeLessThan(1e-6);
    const sine = Float32Array.from({ length: size }, (_, i) => Math.sin((2 * Math.PI * 20 * i) / size));
    fft.power(sine, out, hann(size));
    expect(out.indexOf(Math.max(...out))).toBe(20);
  });

  it('refuses a size that is not a power of two and frames of the wrong length', () => {
    expect(() => new RealFft(100)).toThrow(RangeError);
    expect(() => new RealFft(2)).toThrow(RangeError);
    expect(() => new RealFft(8).power(new Float32Array(4), new Float32Array(5))).toThrow(/8/);
  });
});
