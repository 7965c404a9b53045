import { describe, expect, it } from 'vitest';
import { mixRows } from './mixing';
import { asWPlus } from './types';

const NUM_WS = 6;
const W_DIM = 3;
/** Row r of `base` holds base + 10·r + column, so every value names its origin. */
const rowsOf = (base: number) =>
  asWPlus(
    Float32Array.from(
      { length: NUM_WS * W_DIM },
      (_, i) => base + 10 * Math.floor(i / W_DIM) + (i % W_DIM),
    ),
    NUM_WS,
    W_DIM,
  );

describe('mixRows', () => {
  it('replaces exactly the chosen rows and nothing else', () => {
    const ws = rowsOf(1000);
    const other = rowsOf(2000);
    const out = mixRows(ws, other, [1, 4]);
    for (let r = 0; r < NUM_WS; r++) {
      const source = r === 1 || r === 4 ? 2000 : 1000;
      const row = [...out.subarray(r * W_DIM, (r + 1) * W_DIM)];
      expect(row, `row ${r}`).toEqual([source + 10 * r, source + 10 * r + 1, source + 10 * r + 2]);
    }
  });

  it('accepts any iterable, with repeats, and an empty set copies ws', () => {
    const ws = rowsOf(1000);
    const other = rowsOf(2000);
    expect(mixRows(ws, other, new Set([0, 1, 2, 3]))).toEqual(mixRows(ws, other, [3, 2, 1, 0, 0]));
    const copy = mixRows(ws, other, []);
    expect(copy).not.toBe(ws);
    expect([...copy]).toEqual([...ws]);
    expect([...mixRows(ws, other, [0, 1, 2, 3, 4, 5])]).toEqual([...other]);
  });

  it('moves the chosen rows part of the way at a weight below 1, and not at all at 0', () => {
    const ws = rowsOf(1000);
    const other = rowsOf(2000);
    const quarter = mixRows(ws, other, [2, 2], 0.25);
    for (let r = 0; r < NUM_WS; r++) {
      const base = r === 2 ? 1250 : 1000;
      expect([...quarter.subarray(r * W_DIM, (r + 1) * W_DIM)], `row ${r}`).toEqual([base + 10 * r, base + 10 * r + 1, base + 10 * r + 2]);
    }
    expect([...mixRows(ws, other, [0, 3], 0)]).toEqual([...ws]);
    expect(() => mixRows(ws, other, [0], Number.NaN)).toThrow(RangeError);
  });

  it('leaves both inputs untouched and keeps the shape', () => {
    const ws = rowsOf(1000);
    const other = rowsOf(2000);
    const out = mixRows(ws, other, [2]);
    expect([out.numWs, out.wDim]).toEqual([NUM_WS, W_DIM]);
    expect([...ws]).toEqual([...rowsOf(1000)]);
    expect([...other]).toEqual([...rowsOf(2000)]);
  });

  it('rejects rows out of range and mismatched shapes', () => {
    const ws = rowsOf(0);
    expect(() => mixRows(ws, rowsOf(1), [6])).toThrow(/row 6 is outside rows 0–5/);
    expect(() => mixRows(ws, rowsOf(1), [-1])).toThrow(RangeError);
    expect(() => mixRows(ws, rowsOf(1), [0.5])).toThrow(RangeError);
    const wrongShape = asWPlus(new Float32Array(NUM_WS * W_DIM), W_DIM, NUM_WS);
    expect(() => mixRows(ws, wrongShape, [0])).toThrow(/Cannot mix ws of shape \[6, 3\]/);
  });
});
