/** Upscaling and box downscaling against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import type { Rgba } from '../inference/image';
import { downscale, upscale } from './resample';

/** An RGBA image from grey levels (R = G = B = level, A = 255). */
function grey(width: number, height: number, levels: number[]): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  levels.forEach((v, i) => data.set([v, v, v, 255], i * 4));
  return { width, height, data };
}
const levels = (image: Rgba) => Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 4]!);

describe('upscale', () => {
  it('nearest repeats every pixel factor×factor times', () => {
    const out = upscale(grey(2, 2, [10, 20, 30, 40]), 2, 'nearest');
    expect([out.width, out.height]).toEqual([4, 4]);
    expect(levels(out)).toEqual([10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40]);
    expect(out.data[3]).toBe(255);
  });

  it('bilinear samples pixel centres and clamps at the edges', () => {
    // Centres of 4 outputs over 2 inputs sit at −¼, ¼, ¾, 1¼ → 0, 63.75, 191.25, 255 → rounded.
    expect(levels(upscale(grey(2, 1, [0, 255]), 2, 'bilinear'))).toEqual([0, 64, 191, 255, 0, 64, 191, 255]);
    // ×4: centres at −⅜, −⅛, ⅛, ⅜, ⅝, ⅞, 1⅛, 1⅜ of a 0→80 ramp: 0, 0, 10, 30, 50, 70, 80, 80.
    expect(levels(upscale(grey(2, 1, [0, 80]), 4, 'bilinear')).slice(0, 8)).toEqual([0, 0, 10, 30, 50, 70, 80, 80]);
    // Both axes: the centre pixels of a 2×2 → 4×4 blend all four corners 9:3:3:1.
    const out = upscale(grey(2, 2, [0, 160, 160, 0]), 2, 'bilinear');
    expect(levels(out)[5]).toBe(60); // (9·0 + 3·160 + 3·160 + 1·0) / 16
    expect(levels(out)[6]).toBe(100); // (3·0 + 9·160 + 1·160 + 3·0) / 16
  });

  it('returns the image itself at factor 1 and refuses other factors', () => {
    const image = grey(1, 1, [7]);
    expect(upscale(image, 1, 'bilinear')).toBe(image);
    expect(() => upscale(image, 1.5, 'nearest')).toThrow(RangeError);
    expect(() => upscale(image, 0, 'nearest')).toThrow(RangeError);
    expect(() => upscale(image, 17, 'nearest')).toThrow(RangeError);
  });
});

describe('downscale', () => {
  it('averages each box, rounding half up, and drops partial edge boxes', () => {
    const out = downscale(grey(5, 2, [0, 1, 10, 20, 99, 2, 2, 30, 41, 99]), 2);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect(levels(out)).toEqual([1, 25]); // (0+1+2+2)/4 = 1.25 → 1; (10+20+30+41)/4 = 25.25 → 25
  });
});
