import { describe, expect, it } from 'vitest';
import { mixPresets, presetOf } from './presets';

/** ws row resolutions of an official StyleGAN2 generator: two rows per block from 4 px up, plus one. */
function stylegan2Rows(resolution: number): number[] {
  const numWs = 2 * Math.log2(resolution) - 2;
  return Array.from({ length: numWs }, (_, i) => Math.min(resolution, 4 * 2 ** Math.floor(i / 2)));
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('mixPresets (issue table: coarse 4–8 px, middle 16–32 px, fine ≥ 64 px; below 64 px fine = top rows)', () => {
  it('StyleGAN2 1024: 0–3 / 4–7 / 8–17, as in the paper', () => {
    expect(stylegan2Rows(1024)).toHaveLength(18);
    expect(mixPresets(stylegan2Rows(1024))).toEqual({ coarse: range(0, 3), middle: range(4, 7), fine: range(8, 17) });
  });

  it('StyleGAN2 64: 0–3 / 4–7 / 8–9', () => {
    expect(mixPresets(stylegan2Rows(64))).toEqual({ coarse: range(0, 3), middle: range(4, 7), fine: [8, 9] });
  });

  it('StyleGAN2 32: fine = the 32 px rows, middle = the 16 px rows', () => {
    expect(stylegan2Rows(32)).toEqual([4, 4, 8, 8, 16, 16, 32, 32]);
    expect(mixPresets(stylegan2Rows(32))).toEqual({ coarse: range(0, 3), middle: [4, 5], fine: [6, 7] });
  });

  it('recognises a preset from its rows and nothing else', () => {
    const rows = stylegan2Rows(1024);
    expect(presetOf(rows, [3, 2, 1, 0])).toBe('coarse');
    expect(presetOf(rows, [0, 1, 2])).toBeNull();
    expect(presetOf(rows, [])).toBeNull();
  });
});
