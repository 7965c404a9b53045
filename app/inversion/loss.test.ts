/**
 * The inversion loss on pictures whose relation is known: identical (0), increasingly noisy
 * (rising), and differing only where the mask is 0 (no change at all).
 */
import { describe, expect, it } from 'vitest';
import { RandomState } from '../latent/random';
import { ImageLoss, rgbaToPlanar, type PlanarImage } from './loss';

const SIZE = 32;

/** A smooth picture with edges: discs and gradients in three channels. */
function picture(): PlanarImage {
  const data = new Float32Array(3 * SIZE * SIZE);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const disc = (x - 12 - 3 * c) ** 2 + (y - 16) ** 2 < 64 ? 0.6 : 0;
        data[c * SIZE * SIZE + y * SIZE + x] = 0.2 + disc + 0.15 * Math.sin((x + 2 * y) / 5);
      }
    }
  }
  return { size: SIZE, channels: 3, data };
}

function noisy(image: PlanarImage, sigma: number, seed: number): Float32Array {
  const noise = new RandomState(seed).randn(image.data.length);
  return image.data.map((v, i) => Math.min(1, Math.max(0, v + sigma * noise[i]!)));
}

describe('the inversion loss', () => {
  it('is 0 for identical pictures and rises with the noise added', () => {
    const target = picture();
    const loss = new ImageLoss(target);
    expect(loss.value(Float32Array.from(target.data))).toBeCloseTo(0, 12);
    const values = [0.02, 0.05, 0.1, 0.2, 0.4].map((sigma) => loss.value(noisy(target, sigma, 5)));
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
    expect(values[0]!).toBeGreaterThan(1e-4);
  });

  it('reads one image of a batch by its offset', () => {
    const target = picture();
    const loss = new ImageLoss(target);
    const other = noisy(target, 0.3, 2);
    const batch = new Float32Array(2 * other.length);
    batch.set(other, 0);
    batch.set(target.data, other.length);
    expect(loss.value(batch, other.length)).toBeCloseTo(0, 12);
    expect(loss.value(batch, 0)).toBeCloseTo(loss.value(other), 12);
  });

  it('ignores every pixel whose mask is 0, in the pixel and the structural term', () => {
    const target = picture();
    const mask = new Float32Array(SIZE * SIZE).map((_, i) => (i % SIZE < 16 ? 1 : 0));
    const loss = new ImageLoss(target, mask);
    const candidate = noisy(target, 0.1, 9);
    const scribbled = Float32Array.from(candidate);
    const random = new RandomState(4);
    for (let c = 0; c < 3; c++) for (let i = 0; i < SIZE * SIZE; i++) if (mask[i] === 0) scribbled[c * SIZE * SIZE + i] = random.randomDouble();
    expect(loss.value(scribbled)).toBe(loss.value(candidate));
    // Without the mask the scribbles count.
    expect(new ImageLoss(target).value(scribbled)).toBeGreaterThan(new ImageLoss(target).value(candidate) * 1.5);
    // And an unmasked change still counts under the mask.
    const changed = Float32Array.from(candidate);
    changed[3] = 1 - changed[3]!;
    expect(loss.value(changed)).not.toBe(loss.value(candidate));
  });

  it('refuses a mask that hides everything or does not fit', () => {
    expect(() => new ImageLoss(picture(), new Float32Array(SIZE * SIZE))).toThrow(/hides every pixel/);
    expect(() => new ImageLoss(picture(), new Float32Array(10))).toThrow(/expected 32×32/);
  });

  it('turns RGBA bytes into planar [0, 1] channels', () => {
    const rgba = { width: 2, height: 2, data: Uint8ClampedArray.from([255, 0, 51, 255, 0, 255, 0, 255, 102, 102, 102, 255, 0, 0, 0, 255]) };
    expect(Array.from(rgbaToPlanar(rgba, 3).data)).toEqual([1, 0, 0.4, 0, 0, 1, 0.4, 0, 0.2, 0, 0.4, 0].map((v) => Math.fround(v)));
    expect(Array.from(rgbaToPlanar(rgba, 1).data).map((v) => +v.toFixed(4))).toEqual([0.4, 0.3333, 0.4, 0]);
  });
});
