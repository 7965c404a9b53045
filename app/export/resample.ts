/**
 * Integer-factor resampling of RGBA images for export: upscaling (nearest for crisp pixels,
 * bilinear for smooth ones) so stills and video frames can be larger than the model's native
 * resolution, and box downscaling for contact-sheet thumbnails. Shared by the studio and the CLI,
 * so a 2× PNG is the same bytes from either.
 */
import type { Rgba } from '../inference/image';

/** How upscaled pixels are made. */
export type UpscaleFilter = 'nearest' | 'bilinear';

/** The scale factors the studio offers. */
export const EXPORT_SCALES = [1, 2, 4] as const;

/** The largest factor accepted (a guard against runaway sizes from the CLI). */
export const MAX_SCALE = 16;

function checkFactor(factor: number): void {
  if (!Number.isInteger(factor) || factor < 1 || factor > MAX_SCALE) {
    throw new RangeError(`scale must be a whole number from 1 to ${MAX_SCALE}, got ${factor}`);
  }
}

/**
 * Upscale by a whole factor. Nearest repeats each pixel factor×factor times. Bilinear samples at
 * pixel centres, `src = (dst + ½)/factor − ½`, clamped at the edges (as OpenCV's INTER_LINEAR and
 * PIL's BILINEAR do when enlarging), rounding half up. Factor 1 returns the image itself.
 */
export function upscale(image: Rgba, factor: number, filter: UpscaleFilter): Rgba {
  checkFactor(factor);
  if (factor === 1) return image;
  const { width, height, data } = image;
  const w = width * factor;
  const h = height * factor;
  const out = new Uint8ClampedArray(w * h * 4);
  if (filter === 'nearest') {
    for (let y = 0; y < h; y++) {
      const sy = Math.floor(y / factor);
      for (let x = 0; x < w; x++) {
        const s = (sy * width + Math.floor(x / factor)) * 4;
        out.set(data.subarray(s, s + 4), (y * w + x) * 4);
      }
    }
    return { width: w, height: h, data: out };
  }
  // Per output column/row: the two source indices and the weight of the second; shared by every row.
  const axis = (size: number, n: number) => {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const src = Math.min(size - 1, Math.max(0, (i + 0.5) / factor - 0.5));
      lo[i] = Math.floor(src);
      hi[i] = Math.min(size - 1, lo[i]! + 1);
      t[i] = src - lo[i]!;
    }
    return { lo, hi, t };
  };
  const xs = axis(width, w);
  const ys = axis(height, h);
  for (let y = 0; y < h; y++) {
    const r0 = ys.lo[y]! * width;
    const r1 = ys.hi[y]! * width;
    const ty = ys.t[y]!;
    for (let x = 0; x < w; x++) {
      const tx = xs.t[x]!;
      const a = (r0 + xs.lo[x]!) * 4;
      const b = (r0 + xs.hi[x]!) * 4;
      const c = (r1 + xs.lo[x]!) * 4;
      const d = (r1 + xs.hi[x]!) * 4;
      const o = (y * w + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = data[a + k]! + (data[b + k]! - data[a + k]!) * tx;
        const bottom = data[c + k]! + (data[d + k]! - data[c + k]!) * tx;
        out[o + k] = Math.floor(top + (bottom - top) * ty + 0.5);
      }
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Downscale by a whole factor, averaging each factor×factor box (rounding half up); edge pixels
 * that do not fill a whole box are dropped. Factor 1 returns the image itself.
 */
export function downscale(image: Rgba, factor: number): Rgba {
  checkFactor(factor);
  if (factor === 1) return image;
  const w = Math.floor(image.width / factor);
  const h = Math.floor(image.height / factor);
  if (w < 1 || h < 1) throw new RangeError(`cannot shrink a ${image.width}×${image.height} image by ${factor}`);
  const out = new Uint8ClampedArray(w * h * 4);
  const area = factor * factor;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < 4; k++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = (y * factor + dy) * image.width;
          for (let dx = 0; dx < factor; dx++) sum += image.data[(row + x * factor + dx) * 4 + k]!;
        }
        out[(y * w + x) * 4 + k] = Math.floor(sum / area + 0.5);
      }
    }
  }
  return { width: w, height: h, data: out };
}
