import { describe, expect, it } from 'vitest';
import { lerp, slerp } from './interpolate';
import { asWPlus, asZ } from './types';

const z = (...values: number[]) => asZ(Float32Array.from(values), values.length);
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('lerp', () => {
  it('returns the endpoints exactly and the midpoint by hand', () => {
    const a = z(0.1, -3, 7.25);
    const b = z(2, 5.5, -1);
    expect(lerp(a, b, 0)).toEqual(a);
    expect(lerp(a, b, 1)).toEqual(b);
    expect([...lerp(z(0, 2, -4), z(2, 6, 4), 0.5)]).toEqual([1, 4, 0]);
    expect([...lerp(z(0, 2, -4), z(2, 6, 4), 0.25)]).toEqual([0.5, 3, -2]);
  });

  it('keeps the WPlus shape and rejects mismatches', () => {
    const a = asWPlus(Float32Array.from([0, 0, 0, 0]), 2, 2);
    const b = asWPlus(Float32Array.from([4, 4, 8, 8]), 2, 2);
    const mid = lerp(a, b, 0.5);
    expect([...mid]).toEqual([2, 2, 4, 4]);
    expect([mid.numWs, mid.wDim]).toEqual([2, 2]);
    const transposed = asWPlus(new Float32Array(4), 1, 4);
    expect(() => lerp(a, transposed, 0.5)).toThrow(/shape \[2, 2\] and \[1, 4\]/);
    expect(() => lerp(z(1, 2), z(1, 2, 3), 0.5)).toThrow(RangeError);
    expect(() => lerp(z(1), z(2), Infinity)).toThrow(RangeError);
  });
});

describe('slerp', () => {
  it('returns the endpoints exactly', () => {
    const a = z(0.3, -1.7, 2.2, 0.9);
    const b = z(-1.1, 0.4, 0.5, 3.3);
    expect(slerp(a, b, 0)).toEqual(a);
    expect(slerp(a, b, 1)).toEqual(b);
  });

  it('moves along the quarter circle at constant angular speed', () => {
    // a = (1, 0), b = (0, 1): the point at t is (cos(tπ/2), sin(tπ/2)).
    const mid = slerp(z(1, 0), z(0, 1), 0.5);
    expect(mid[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(mid[1]).toBeCloseTo(Math.SQRT1_2, 6);
    const third = slerp(z(1, 0), z(0, 1), 1 / 3);
    expect(third[0]).toBeCloseTo(Math.sqrt(3) / 2, 6);
    expect(third[1]).toBeCloseTo(0.5, 6);
  });

  it('interpolates the norm linearly', () => {
    // |a| = 2, |b| = 6, 90° apart: the midpoint has norm 4 and lies at 45°.
    const mid = slerp(z(2, 0, 0), z(0, 6, 0), 0.5);
    expect(norm(mid)).toBeCloseTo(4, 5);
    expect(mid[0]).toBeCloseTo(4 * Math.SQRT1_2, 5);
    expect(mid[1]).toBeCloseTo(4 * Math.SQRT1_2, 5);
    expect(mid[2]).toBe(0);
    // Equal norms stay on the sphere (where lerp would cut inside it).
    const a = z(3, 4, 0, 0);
    const b = z(0, 0, 5, 0);
    for (const t of [0.1, 0.5, 0.8]) expect(norm(slerp(a, b, t))).toBeCloseTo(5, 5);
    expect(norm(lerp(a, b, 0.5))).toBeCloseTo(5 * Math.SQRT1_2, 5);
  });

  it('falls back to lerp for parallel, opposite and zero vectors', () => {
    expect([...slerp(z(1, 2), z(2, 4), 0.5)]).toEqual([1.5, 3]);
    expect([...slerp(z(1, 2), z(-1, -2), 0.25)]).toEqual([0.5, 1]);
    expect([...slerp(z(0, 0), z(2, 4), 0.5)]).toEqual([1, 2]);
  });
});
