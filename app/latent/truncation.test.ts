import { describe, expect, it } from 'vitest';
import { truncate } from './truncation';
import { asW, asWPlus } from './types';

// 4 rows × 2 columns; every value is a small dyadic number, so float32 results are exact.
const ws = () =>
  asWPlus(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 4, 2);
const wAvg = asW(Float32Array.from([1, 0]), 2);

describe('truncate', () => {
  it('pulls every row toward w_avg when cutoff is omitted or null', () => {
    // w_avg + 0.5·(w − w_avg), worked by hand: (1,2)→(1,1), (3,4)→(2,2), (5,6)→(3,3), (7,8)→(4,4)
    const expected = [1, 1, 2, 2, 3, 3, 4, 4];
    expect([...truncate(ws(), wAvg, 0.5)]).toEqual(expected);
    expect([...truncate(ws(), wAvg, 0.5, null)]).toEqual(expected);
  });

  it('truncates only rows before the cutoff', () => {
    expect([...truncate(ws(), wAvg, 0.5, 2)]).toEqual([1, 1, 2, 2, 5, 6, 7, 8]);
    expect([...truncate(ws(), wAvg, 0.5, 0)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...truncate(ws(), wAvg, 0.5, 4)]).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('is the identity at ψ = 1 and gives w_avg at ψ = 0', () => {
    expect([...truncate(ws(), wAvg, 1)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...truncate(ws(), wAvg, 0)]).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    expect([...truncate(ws(), wAvg, 0, 1)]).toEqual([1, 0, 3, 4, 5, 6, 7, 8]);
  });

  it('extrapolates for ψ outside [0, 1]', () => {
    // ψ = −1 mirrors through w_avg: (3,4) → (1 − 2, 0 − 4) = (−1, −4)
    expect([...truncate(ws(), wAvg, -1, 2)]).toEqual([1, -2, -1, -4, 5, 6, 7, 8]);
  });

  it('returns a new WPlus of the same shape and leaves the input alone', () => {
    const input = ws();
    const out = truncate(input, wAvg, 0.5);
    expect(out).not.toBe(input);
    expect([out.numWs, out.wDim]).toEqual([4, 2]);
    expect([...input]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects a w_avg of the wrong length, bad ψ and bad cutoffs', () => {
    expect(() => truncate(ws(), asW(new Float32Array(3), 3), 0.5)).toThrow(/w_avg has 3 values/);
    expect(() => truncate(ws(), wAvg, NaN)).toThrow(RangeError);
    expect(() => truncate(ws(), wAvg, 0.5, 5)).toThrow(/cutoff must be an integer from 0 to 4/);
    expect(() => truncate(ws(), wAvg, 0.5, -1)).toThrow(RangeError);
    expect(() => truncate(ws(), wAvg, 0.5, 1.5)).toThrow(RangeError);
  });
});
