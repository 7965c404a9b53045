/** Contact sheets: layout, thumbnail sizes and the seed labels' pixels. */
import { describe, expect, it } from 'vitest';
import type { Rgba } from '../inference/image';
import { contactSheet, sheetThumbnail } from './contact-sheet';

function solid(width: number, height: number, rgb: [number, number, number]): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return { width, height, data };
}
const pixel = (image: Rgba, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));

describe('contact sheet', () => {
  it('grows small images and shrinks large ones by whole factors into 64–128 px', () => {
    expect(sheetThumbnail(solid(32, 32, [1, 2, 3])).width).toBe(64);
    expect(sheetThumbnail(solid(100, 100, [1, 2, 3])).width).toBe(100);
    expect(sheetThumbnail(solid(1024, 1024, [1, 2, 3])).width).toBe(128);
    expect(sheetThumbnail(solid(300, 300, [1, 2, 3])).width).toBe(100);
  });

  it('lays cells out row by row with 4 px gaps and a 7 px label strip', () => {
    const items = [solid(64, 64, [255, 0, 0]), solid(64, 64, [0, 255, 0]), solid(64, 64, [0, 0, 255])].map((image, i) => ({ image, label: String(i) }));
    const sheet = contactSheet(items);
    // 3 images → 2 columns, 2 rows: width 4 + 2·68, height 4 + 2·(64 + 7 + 4).
    expect([sheet.width, sheet.height]).toEqual([140, 154]);
    expect(pixel(sheet, 4, 4)).toEqual([255, 0, 0, 255]);
    expect(pixel(sheet, 72, 4)).toEqual([0, 255, 0, 255]);
    expect(pixel(sheet, 4, 79)).toEqual([0, 0, 255, 255]);
    expect(pixel(sheet, 0, 0)).toEqual([22, 23, 26, 255]); // background
    expect(pixel(sheet, 72, 79)).toEqual([22, 23, 26, 255]); // the empty fourth cell
  });

  it('draws labels as 3×5 digit glyphs under each image', () => {
    const sheet = contactSheet([{ image: solid(64, 64, [0, 0, 0]), label: '1' }]);
    // Glyph "1" rows: .#. ##. .#. .#. ### starting one dot below the image (y = 4 + 64 + 1).
    const ink = (x: number, y: number) => pixel(sheet, 4 + x, 69 + y)[0] === 216;
    const rows = [0, 1, 2, 3, 4].map((y) => [0, 1, 2].map((x) => (ink(x, y) ? '#' : '.')).join(''));
    expect(rows).toEqual(['.#.', '##.', '.#.', '.#.', '###']);
  });

  it('refuses an empty list and mixed sizes', () => {
    expect(() => contactSheet([])).toThrow(RangeError);
    expect(() => contactSheet([{ image: solid(2, 2, [0, 0, 0]), label: '' }, { image: solid(3, 3, [0, 0, 0]), label: '' }])).toThrow(RangeError);
  });
});
