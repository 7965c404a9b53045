import { describe, expect, it } from 'vitest';
import { LruSlots, ThumbnailAtlas } from './atlas';

describe('LruSlots', () => {
  it('fills free slots, then gives the least recently used slot away', () => {
    const lru = new LruSlots(3);
    expect([10, 11, 12].map((k) => lru.assign(k))).toEqual([
      { slot: 0, evicted: null },
      { slot: 1, evicted: null },
      { slot: 2, evicted: null },
    ]);
    // Using 10 makes 11 the oldest.
    expect(lru.use(10)).toBe(0);
    expect(lru.assign(13)).toEqual({ slot: 1, evicted: 11 });
    expect(lru.use(11)).toBeUndefined();
    // peek does not refresh: 12 is still the oldest.
    expect(lru.peek(12)).toBe(2);
    expect(lru.assign(14)).toEqual({ slot: 2, evicted: 12 });
    expect(lru.assign(13)).toEqual({ slot: 1, evicted: null });
    expect(lru.size).toBe(3);
  });

  it('refuses an empty capacity', () => {
    expect(() => new LruSlots(0)).toThrow(/at least one slot/);
  });
});

describe('ThumbnailAtlas', () => {
  it('writes each thumbnail into its layer, bounded by the capacity', () => {
    const atlas = new ThumbnailAtlas(2, 2);
    const image = (v: number) => ({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(v) });
    expect(atlas.put(7, image(1))).toEqual({ slot: 0, evicted: null });
    expect(atlas.put(8, image(2))).toEqual({ slot: 1, evicted: null });
    expect(atlas.put(9, image(3))).toEqual({ slot: 0, evicted: 7 });
    const layers = atlas.texture.image.data as Uint8Array;
    expect(Array.from(layers.subarray(0, 16))).toEqual(new Array(16).fill(3));
    expect(Array.from(layers.subarray(16, 32))).toEqual(new Array(16).fill(2));
    expect([...atlas.texture.layerUpdates].sort()).toEqual([0, 1]);
    expect(atlas.count).toBe(2);
    expect(() => atlas.put(1, { width: 4, height: 4, data: new Uint8ClampedArray(64) })).toThrow(/2×2/);
    atlas.dispose();
  });
});
