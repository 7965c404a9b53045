/**
 * The loss inversion minimises: how far a candidate picture is from the target. A pixel term over
 * an image pyramid (mean squared error at full size and at every 2× average-pooled level down to
 * {@link MIN_LEVEL} px, so coarse shape counts as much as the fine detail that MSE alone favours)
 * plus a structural term, 1 − SSIM (Wang et al. 2004: 11-tap Gaussian window, σ = 1.5,
 * K1 = 0.01, K2 = 0.03, values in [0, 1]), averaged over channels. CMA-ES only ranks candidates,
 * so the weights set the trade-off between the terms, not a step size.
 *
 * An optional mask (H×W, 0…1) weights every pixel: a pixel of weight 0 counts nowhere, not in the
 * pixel term and not in any SSIM window (window statistics are mask-weighted), so what the user
 * painted out cannot pull the result. The target's side is computed once per inversion.
 */

/** Smallest pyramid level, in pixels. */
export const MIN_LEVEL = 8;

/** Weights of the two terms. */
export interface LossWeights {
  /** Weight of the pyramid MSE (images in [0, 1]). */
  pixel: number;
  /** Weight of 1 − SSIM. */
  structure: number;
}

/** Default weights: at a typical near-optimum (MSE ≈ 0.002, 1 − SSIM ≈ 0.05) the terms are alike. */
export const DEFAULT_LOSS_WEIGHTS: Readonly<LossWeights> = Object.freeze({ pixel: 1, structure: 0.05 });

/** A planar image: `channels` planes of size×size, row-major, values in [0, 1]. */
export interface PlanarImage {
  size: number;
  channels: number;
  data: Float32Array;
}

const SSIM_RADIUS = 5;
const SSIM_SIGMA = 1.5;
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;
const GAUSS = (() => {
  const taps = Float64Array.from({ length: 2 * SSIM_RADIUS + 1 }, (_, i) => Math.exp(-((i - SSIM_RADIUS) ** 2) / (2 * SSIM_SIGMA ** 2)));
  const sum = taps.reduce((a, v) => a + v, 0);
  return taps.map((v) => v / sum);
})();

/** Separable Gaussian blur of one size×size plane; outside the image counts as 0 (the mask is 0 there too). */
function blur(plane: Float64Array, size: number, scratch: Float64Array, out: Float64Array): Float64Array {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (let t = -SSIM_RADIUS; t <= SSIM_RADIUS; t++) {
        const xx = x + t;
        if (xx >= 0 && xx < size) s += GAUSS[t + SSIM_RADIUS]! * plane[y * size + xx]!;
      }
      scratch[y * size + x] = s;
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (let t = -SSIM_RADIUS; t <= SSIM_RADIUS; t++) {
        const yy = y + t;
        if (yy >= 0 && yy < size) s += GAUSS[t + SSIM_RADIUS]! * scratch[yy * size + x]!;
      }
      out[y * size + x] = s;
    }
  }
  return out;
}

/** 2× average pooling of a plane (weighted by `weight` when given; returns values and pooled weights). */
function pool(values: Float64Array, weight: Float64Array, size: number): { values: Float64Array; weight: Float64Array } {
  const half = size >> 1;
  const v = new Float64Array(half * half);
  const w = new Float64Array(half * half);
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < half; x++) {
      let sw = 0;
      let sv = 0;
      for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
        const i = (2 * y + dy) * size + 2 * x + dx;
        sw += weight[i]!;
        sv += weight[i]! * values[i]!;
      }
      w[y * half + x] = sw / 4;
      v[y * half + x] = sw > 0 ? sv / sw : 0;
    }
  }
  return { values: v, weight: w };
}

/** The pyramid of one plane: full size first. */
function pyramid(plane: Float64Array, weight: Float64Array, size: number): { values: Float64Array; weight: Float64Array; size: number }[] {
  const levels = [{ values: plane, weight, size }];
  for (let s = size; s >= 2 * MIN_LEVEL && s % 2 === 0; s >>= 1) {
    const last = levels[levels.length - 1]!;
    levels.push({ ...pool(last.values, last.weight, s), size: s >> 1 });
  }
  return levels;
}

/** What a target contributes to every comparison: its pyramid and its SSIM window statistics. */
interface TargetPlane {
  levels: { values: Float64Array; weight: Float64Array; size: number }[];
  /** Mask-weighted local mean and second moment (G∗(m·x))/(G∗m), (G∗(m·x²))/(G∗m). */
  mean: Float64Array;
  square: Float64Array;
}

/** Compares candidates with one target; create it once per inversion. */
export class ImageLoss {
  readonly size: number;
  readonly channels: number;
  private readonly weights: LossWeights;
  private readonly mask: Float64Array;
  private readonly maskBlur: Float64Array;
  private readonly maskSum: number;
  private readonly planes: TargetPlane[];
  private readonly scratch: Float64Array;

  /**
   * @param target the picture to reach
   * @param mask size×size weights in [0, 1] (absent: every pixel counts)
   * @throws RangeError when the mask does not fit or leaves nothing to compare
   */
  constructor(target: PlanarImage, mask?: ArrayLike<number>, weights: LossWeights = DEFAULT_LOSS_WEIGHTS) {
    const { size, channels } = target;
    const plane = size * size;
    if (target.data.length !== channels * plane) throw new RangeError(`the target has ${target.data.length} values, expected ${channels}×${size}×${size}`);
    if (mask && mask.length !== plane) throw new RangeError(`the mask has ${mask.length} values, expected ${size}×${size}`);
    this.size = size;
    this.channels = channels;
    this.weights = weights;
    this.mask = mask ? Float64Array.from(mask, (m) => Math.min(1, Math.max(0, m))) : new Float64Array(plane).fill(1);
    this.maskSum = this.mask.reduce((a, v) => a + v, 0);
    if (!(this.maskSum > 0)) throw new RangeError('the mask hides every pixel: paint at least part of the picture back in');
    this.scratch = new Float64Array(plane);
    this.maskBlur = blur(this.mask, size, this.scratch, new Float64Array(plane));
    this.planes = [];
    for (let c = 0; c < channels; c++) {
      const x = Float64Array.from(target.data.subarray(c * plane, (c + 1) * plane));
      const mean = this.windowMean(x.map((v, i) => v * this.mask[i]!));
      const square = this.windowMean(x.map((v, i) => v * v * this.mask[i]!));
      this.planes.push({ levels: pyramid(x, this.mask, size), mean, square });
    }
  }

  /** Loss of `candidate` (same layout as the target; `offset` picks one image of a batch). */
  value(candidate: Float32Array, offset = 0): number {
    const { size, channels } = this;
    const plane = size * size;
    let pixel = 0;
    let ssim = 0;
    for (let c = 0; c < channels; c++) {
      const y = Float64Array.from(candidate.subarray(offset + c * plane, offset + (c + 1) * plane));
      const target = this.planes[c]!;
      const levels = pyramid(y, this.mask, size);
      let levelSum = 0;
      levels.forEach((level, l) => {
        const t = target.levels[l]!;
        let se = 0;
        let w = 0;
        for (let i = 0; i < level.values.length; i++) {
          const m = t.weight[i]!;
          const d = level.values[i]! - t.values[i]!;
          se += m * d * d;
          w += m;
        }
        levelSum += w > 0 ? se / w : 0;
      });
      pixel += levelSum / levels.length;
      ssim += this.ssim(Float64Array.from(candidate.subarray(offset + c * plane, offset + (c + 1) * plane)), target);
    }
    return (this.weights.pixel * pixel + this.weights.structure * (channels - ssim)) / channels;
  }

  /** Mask-weighted mean SSIM of one plane against the target's. */
  private ssim(y: Float64Array, target: TargetPlane): number {
    const { mask } = this;
    const muY = this.windowMean(y.map((v, i) => v * mask[i]!));
    const yy = this.windowMean(y.map((v, i) => v * v * mask[i]!));
    const x = target.levels[0]!.values;
    const xy = this.windowMean(y.map((v, i) => v * x[i]! * mask[i]!));
    let sum = 0;
    for (let i = 0; i < y.length; i++) {
      const m = mask[i]!;
      if (m === 0) continue;
      const mx = target.mean[i]!;
      const my = muY[i]!;
      const vx = target.square[i]! - mx * mx;
      const vy = yy[i]! - my * my;
      const cov = xy[i]! - mx * my;
      sum += (m * ((2 * mx * my + C1) * (2 * cov + C2))) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    }
    return sum / this.maskSum;
  }

  private windowMean(weighted: Float64Array): Float64Array {
    const out = blur(weighted, this.size, this.scratch, new Float64Array(weighted.length));
    for (let i = 0; i < out.length; i++) out[i] = this.maskBlur[i]! > 1e-12 ? out[i]! / this.maskBlur[i]! : 0;
    return out;
  }
}

/** Planar [0, 1] image from an NCHW tensor's image `index` with values in `range`. */
export function toUnitPlanar(data: Float32Array, index: number, channels: number, size: number, range: readonly [number, number]): PlanarImage {
  const count = channels * size * size;
  const [lo, hi] = range;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.min(1, Math.max(0, (data[index * count + i]! - lo) / (hi - lo)));
  return { size, channels, data: out };
}

/** Planar [0, 1] image from 8-bit RGBA (a decoded target); one-channel models get the mean of R, G and B. */
export function rgbaToPlanar(rgba: { width: number; height: number; data: ArrayLike<number> }, channels: number): PlanarImage {
  if (rgba.width !== rgba.height) throw new RangeError(`the target must be square, got ${rgba.width}×${rgba.height}`);
  const plane = rgba.width * rgba.height;
  const out = new Float32Array(channels * plane);
  for (let p = 0; p < plane; p++) {
    if (channels === 1) out[p] = (rgba.data[p * 4]! + rgba.data[p * 4 + 1]! + rgba.data[p * 4 + 2]!) / (3 * 255);
    else for (let c = 0; c < channels; c++) out[c * plane + p] = rgba.data[p * 4 + c]! / 255;
  }
  return { size: rgba.width, channels, data: out };
}
