import { describe, expect, it } from 'vitest';
import { tensorToRgba } from './image';

describe('tensorToRgba', () => {
  it('maps [-1, 1] like gen_images.py: (x·127.5 + 128) clamped, truncated', () => {
    // One 1×5 RGB image; channel planes laid out CHW.
    const xs = [-1, 0, 1, -2, 0.5];
    const data = new Float32Array([...xs, ...xs, ...xs]);
    const { width, height, data: px } = tensorToRgba({ data, dims: [1, 3, 1, 5] }, [-1, 1]);
    expect([width, height]).toEqual([5, 1]);
    const expected = xs.map((x) => Math.min(255, Math.max(0, Math.trunc(x * 127.5 + 128))));
    expect(expected).toEqual([0, 128, 255, 0, 191]);
    for (let p = 0; p < 5; p++) expect([px[p * 4], px[p * 4 + 1], px[p * 4 + 2], px[p * 4 + 3]]).toEqual([expected[p], expected[p], expected[p], 255]);
  });

  it('spreads grey images to RGB and honours other output ranges', () => {
    const { data } = tensorToRgba({ data: Float32Array.of(0, 0.5, 1), dims: [1, 1, 1, 3] }, [0, 1]);
    expect(Array.from(data)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('selects one image of a batch and rejects bad shapes', () => {
    const batch = new Float32Array(2 * 3 * 1 * 1);
    batch.set([1, 1, 1], 3); // second image white
    expect(Array.from(tensorToRgba({ data: batch, dims: [2, 3, 1, 1] }, [-1, 1], 1).data)).toEqual([255, 255, 255, 255]);
    expect(() => tensorToRgba({ data: batch, dims: [2, 3, 1] }, [-1, 1])).toThrow(/\[N, C, H, W\]/);
    expect(() => tensorToRgba({ data: new Float32Array(2), dims: [1, 2, 1, 1] }, [-1, 1])).toThrow(/1 or 3 channels/);
    expect(() => tensorToRgba({ data: batch, dims: [2, 3, 1, 1] }, [-1, 1], 2)).toThrow(/out of range/);
  });
});
