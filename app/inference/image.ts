/**
 * Conversion of generator output to 8-bit pixels, matching NVIDIA's gen_images.py: for a [-1, 1]
 * output, `(x * 127.5 + 128).clamp(0, 255)` truncated to uint8.
 */
import type { Tensor } from './runner';

/** RGBA pixels of one image. */
export interface Rgba {
  readonly width: number;
  readonly height: number;
  /** width·height·4 bytes, row-major, alpha 255. */
  readonly data: Uint8ClampedArray;
}

/**
 * Convert image `index` of an NCHW tensor (C = 1 or 3) with values in `range` to RGBA. Values map
 * linearly so that `range` spans 0…255, rounding as NVIDIA's scripts do (add ½, truncate).
 */
export function tensorToRgba(tensor: Tensor, range: readonly [number, number], index = 0): Rgba {
  const [n, c, h, w] = tensor.dims;
  if (tensor.dims.length !== 4 || n === undefined || c === undefined || h === undefined || w === undefined) {
    throw new Error(`image tensor must be [N, C, H, W], got [${tensor.dims.join(', ')}]`);
  }
  if (c !== 1 && c !== 3) throw new Error(`image tensor must have 1 or 3 channels, got ${c}`);
  if (index < 0 || index >= n) throw new Error(`image index ${index} out of range for batch of ${n}`);
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  const plane = h * w;
  const base = index * c * plane;
  const out = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const v = tensor.data[base + (c === 1 ? 0 : k) * plane + p]!;
      // Uint8ClampedArray would round half to even; truncate explicitly to match torch's uint8 cast.
      out[p * 4 + k] = Math.min(255, Math.max(0, Math.floor((v - lo) * scale + 0.5)));
    }
    out[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data: out };
}
