import { describe, expect, it } from 'vitest';
import { applyWEdits, applyZEdits } from './edits';
import { asWPlus, asZ } from './types';

describe('edits', () => {
  it('adds vector·scale·amount to the chosen rows only, summing several edits', () => {
    const ws = asWPlus(new Float32Array(3 * 2), 3, 2); // zeros, 3 rows of w_dim 2
    const out = applyWEdits(ws, [
      { space: 'w', vector: [1, 0], scale: 2, amount: 1.5, rows: [1, 2] },
      { space: 'w', vector: [0, 1], scale: 1, amount: -1, rows: null },
      { space: 'z', vector: [9, 9, 9], scale: 1, amount: 1, rows: null }, // Z edits leave ws alone
    ]);
    expect(Array.from(out)).toEqual([0, -1, 3, -1, 3, -1]);
    expect(Array.from(ws)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('edits z in Z space, and refuses vectors of the wrong length or rows out of range', () => {
    const z = asZ(Float32Array.of(1, 1, 1), 3);
    expect(Array.from(applyZEdits(z, [{ space: 'z', vector: [1, 2, 3], scale: 0.5, amount: 2, rows: null }]))).toEqual([2, 3, 4]);
    const ws = asWPlus(new Float32Array(4), 2, 2);
    expect(() => applyWEdits(ws, [{ space: 'w', vector: [1], scale: 1, amount: 1, rows: null }])).toThrow(RangeError);
    expect(() => applyWEdits(ws, [{ space: 'w', vector: [1, 1], scale: 1, amount: 1, rows: [1, 2] }])).toThrow(/outside/);
  });
});
