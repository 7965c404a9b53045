/**
 * Contact sheets: the images of a batch as one PNG-ready grid of thumbnails, each labelled with its
 * seed in a tiny bitmap font (no DOM, no fonts: the CLI and the studio draw the same sheet).
 */
import type { Rgba } from '../inference/image';
import { downscale, upscale } from './resample';

/** One cell of a sheet. */
export interface SheetItem {
  image: Rgba;
  /** Digits drawn under the thumbnail (other characters leave a blank). */
  label: string;
}

/** Thumbnails are scaled by whole factors into this range of widths, px. */
const THUMB_MIN = 64;
const THUMB_MAX = 128;
const GAP = 4;
const BACKGROUND = [22, 23, 26] as const;
const INK = [216, 217, 220] as const;

/** 3×5 digit glyphs, one row per 3-bit number, most significant bit leftmost. */
const DIGITS: Record<string, readonly number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 2, 2, 2],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
};

/**
 * A thumbnail of `image` between 64 and 128 px wide where whole factors allow: small images grow
 * (nearest, so pixels stay crisp), large ones shrink (box average). Images already in range, or
 * that no whole factor brings into it, keep their size.
 */
export function sheetThumbnail(image: Rgba): Rgba {
  if (image.width < THUMB_MIN) return upscale(image, Math.min(16, Math.ceil(THUMB_MIN / image.width)), 'nearest');
  if (image.width > THUMB_MAX) return downscale(image, Math.ceil(image.width / THUMB_MAX));
  return image;
}

function fillRect(sheet: Uint8ClampedArray, sheetWidth: number, x: number, y: number, w: number, h: number, rgb: readonly number[]): void {
  for (let yy = y; yy < y + h; yy++) {
    for (let xx = x; xx < x + w; xx++) {
      const o = (yy * sheetWidth + xx) * 4;
      sheet[o] = rgb[0]!;
      sheet[o + 1] = rgb[1]!;
      sheet[o + 2] = rgb[2]!;
      sheet[o + 3] = 255;
    }
  }
}

/**
 * Lay `items` out row by row, `columns` per row (default: as square as possible). Every image must
 * have the size of the first. Throws RangeError on an empty list or mixed sizes.
 */
export function contactSheet(items: readonly SheetItem[], columns = Math.ceil(Math.sqrt(items.length))): Rgba {
  const first = items[0];
  if (!first) throw new RangeError('a contact sheet needs at least one image');
  const { width: cw, height: ch } = first.image;
  if (items.some((i) => i.image.width !== cw || i.image.height !== ch)) throw new RangeError('every image of a contact sheet must have the same size');
  const cols = Math.max(1, Math.min(columns, items.length));
  const rows = Math.ceil(items.length / cols);
  const dot = Math.max(1, Math.floor(cw / 64));
  const labelHeight = 7 * dot;
  const width = GAP + cols * (cw + GAP);
  const height = GAP + rows * (ch + labelHeight + GAP);
  const sheet = new Uint8ClampedArray(width * height * 4);
  fillRect(sheet, width, 0, 0, width, height, BACKGROUND);
  items.forEach(({ image, label }, n) => {
    const x0 = GAP + (n % cols) * (cw + GAP);
    const y0 = GAP + Math.floor(n / cols) * (ch + labelHeight + GAP);
    for (let y = 0; y < ch; y++) sheet.set(image.data.subarray(y * cw * 4, (y + 1) * cw * 4), ((y0 + y) * width + x0) * 4);
    // Glyphs 3 dots wide with 1 dot between, clipped to the cell.
    [...label].forEach((char, k) => {
      const glyph = DIGITS[char];
      if (!glyph) return;
      glyph.forEach((bits, gy) => {
        for (let gx = 0; gx < 3; gx++) {
          const x = x0 + (k * 4 + gx) * dot;
          if (bits & (4 >> gx) && x + dot <= x0 + cw) fillRect(sheet, width, x, y0 + ch + dot + gy * dot, dot, dot, INK);
        }
      });
    });
  });
  return { width, height, data: sheet };
}
