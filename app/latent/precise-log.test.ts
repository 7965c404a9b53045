import { describe, expect, it } from 'vitest';
import { preciseLog } from './precise-log';

// Correctly rounded natural logs computed with mpmath at 50 digits. The first four are inputs
// on which glibc's log (and so numpy) misrounds by one ulp.
const CORRECTLY_ROUNDED: [number, number][] = [
  [0.3516693761835352, -1.0450638169824578],
  [0.5204937386572783, -0.6529774204763591],
  [0.9581798185048573, -0.04271981663672183],
  [0.19994848041849111, -1.6096955435256846],
  [2, 0.6931471805599453],
  [10, 2.302585092994046],
  [0.5, -0.6931471805599453],
  [1e-300, -690.7755278982137],
  [5e-324, -744.4400719213812],
  [1.7976931348623157e308, 709.782712893384],
  [1.0000000000000002, 2.2204460492503128e-16],
  [0.9999999999999999, -1.1102230246251565e-16],
  [1.4142135623730951, 0.3465735902799727],
  [0.7071067811865476, -0.3465735902799726],
  [3, 1.0986122886681098],
  [123456.789, 11.723646487185881],
];

describe('preciseLog', () => {
  it('returns the correctly rounded logarithm', () => {
    for (const [x, expected] of CORRECTLY_ROUNDED) {
      expect(preciseLog(x), `log(${x})`).toBe(expected);
    }
  });

  it('handles the special values like Math.log', () => {
    expect(preciseLog(1)).toBe(0);
    expect(preciseLog(0)).toBe(-Infinity);
    expect(preciseLog(-0)).toBe(-Infinity);
    expect(preciseLog(Infinity)).toBe(Infinity);
    expect(preciseLog(-1)).toBeNaN();
    expect(preciseLog(NaN)).toBeNaN();
  });

  it('stays within an ulp of Math.log over many magnitudes', () => {
    const far: number[] = [];
    for (let x = 1e-310; x < 1e308; x *= 1.0137) {
      const b = Math.log(x);
      if (Math.abs(preciseLog(x) - b) > Math.abs(b) * Number.EPSILON) far.push(x);
    }
    expect(far).toEqual([]);
  });
});
