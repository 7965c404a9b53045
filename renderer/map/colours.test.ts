import { describe, expect, it } from 'vitest';
import { classColour, hsl, scoreColours } from './colours';

describe('map colours', () => {
  it('converts hue/saturation/lightness as CSS does', () => {
    expect(hsl(0, 1, 0.5)).toEqual([1, 0, 0]);
    expect(hsl(1 / 3, 1, 0.5).map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 1, 0]);
    expect(hsl(-1 / 3, 1, 0.25).map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0, 0.5]);
    expect(hsl(0.7, 0, 0.4)).toEqual([0.4, 0.4, 0.4]);
  });

  it('gives unconditional points grey and neighbouring classes different hues', () => {
    expect(classColour(-1)).toEqual([0.6, 0.62, 0.66]);
    const [a, b] = [classColour(3), classColour(4)];
    expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeGreaterThan(0.3);
  });

  it('colours scores blue below the mean, grey at it, orange above', () => {
    const c = scoreColours(Float64Array.of(-10, 0, 10));
    expect(Array.from(c.subarray(3, 6)).map((v) => Math.round(v * 100) / 100)).toEqual([0.55, 0.56, 0.6]);
    expect(c[2]!).toBeGreaterThan(c[0]!); // low: blue dominates
    expect(c[6]!).toBeGreaterThan(c[8]!); // high: red over blue
  });
});
