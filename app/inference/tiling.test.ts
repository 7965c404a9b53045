import { describe, expect, it } from 'vitest';
import { planTiles, runTiled } from './tiling';

describe('planTiles', () => {
  it.each([
    [100, 37, 24, 4],
    [17, 90, 32, 7],
    [64, 64, 64, 8],
  ])('covers a %i×%i picture exactly once with tiles of %i (overlap %i), padded inside the picture', (w, h, size, overlap) => {
    const hits = new Uint8Array(w * h);
    for (const t of planTiles(w, h, { size, overlap })) {
      expect(t.px0).toBe(Math.max(0, t.x0 - overlap));
      expect(t.py1).toBe(Math.min(h, t.y1 + overlap));
      expect(t.px1 - t.px0).toBeLessThanOrEqual(size);
      for (let y = t.y0; y < t.y1; y++) for (let x = t.x0; x < t.x1; x++) hits[y * w + x]!++;
    }
    expect([...new Set(hits)]).toEqual([1]);
  });

  it('refuses an overlap that leaves no core', () => {
    expect(() => planTiles(10, 10, { size: 8, overlap: 4 })).toThrow(/overlap must be under half/);
  });
});

describe('runTiled', () => {
  it('stitches a per-pixel 2× operation to exactly the untiled result', async () => {
    const [w, h] = [23, 11];
    const data = Float32Array.from({ length: 2 * w * h }, (_, i) => Math.sin(i));
    // Nearest 2× upscale times 3, one channel in, two out: what each output pixel needs is its own input pixel.
    const op = async (t: { data: Float32Array; dims: readonly number[] }) => {
      const [n, c, th, tw] = t.dims as [number, number, number, number];
      const out = new Float32Array(n * 2 * c * th * 2 * tw * 2);
      for (let k = 0; k < n * c; k++)
        for (let y = 0; y < 2 * th; y++)
          for (let x = 0; x < 2 * tw; x++) {
            const v = t.data[k * th * tw + (y >> 1) * tw + (x >> 1)]! * 3;
            out[(2 * k) * 4 * th * tw + y * 2 * tw + x] = v;
            out[(2 * k + 1) * 4 * th * tw + y * 2 * tw + x] = -v;
          }
      return { data: out, dims: [n, 2 * c, 2 * th, 2 * tw] };
    };
    const input = { data, dims: [1, 2, h, w] };
    const whole = await op(input);
    const tiled = await runTiled(input, 2, { size: 8, overlap: 1 }, op);
    expect(tiled.dims).toEqual(whole.dims);
    expect(tiled.data).toEqual(whole.data);
  });

  it('refuses a stage whose output is not scale× its tile', async () => {
    const input = { data: new Float32Array(3 * 16 * 16), dims: [1, 3, 16, 16] };
    await expect(runTiled(input, 4, { size: 8, overlap: 2 }, async (t) => t)).rejects.toThrow(/a 4× stage must give/);
  });
});
