import { describe, expect, it } from 'vitest';
import { asW, asWPlus, asZ, wPlusRow } from './types';

describe('latent constructors', () => {
  it('tag arrays of the right length without copying', () => {
    const data = new Float32Array(8);
    expect(asZ(data, 8)).toBe(data);
    expect(asW(data, 8)).toBe(data);
    const ws = asWPlus(data, 2, 4);
    expect(ws).toBe(data);
    expect([ws.numWs, ws.wDim]).toEqual([2, 4]);
    expect(Object.keys(ws)).toHaveLength(8);
  });

  it('reject wrong lengths, dimensions and re-shaping', () => {
    expect(() => asZ(new Float32Array(3), 4)).toThrow(/z has 3 values but shape \[4\] needs 4/);
    expect(() => asW(new Float32Array(3), 0)).toThrow(/wDim must be a positive integer/);
    expect(() => asWPlus(new Float32Array(6), 2, 4)).toThrow(/shape \[2, 4\] needs 8/);
    const ws = asWPlus(new Float32Array(8), 2, 4);
    expect(asWPlus(ws, 2, 4)).toBe(ws);
    expect(() => asWPlus(ws, 4, 2)).toThrow(/already shaped \[2, 4\]/);
  });

  it('give row views into ws', () => {
    const ws = asWPlus(Float32Array.from([0, 1, 2, 3, 4, 5]), 3, 2);
    const row = wPlusRow(ws, 1);
    expect([...row]).toEqual([2, 3]);
    row[0] = 9;
    expect(ws[2]).toBe(9);
    expect(() => wPlusRow(ws, 3)).toThrow(/Row 3 is outside ws rows 0–2/);
  });
});
