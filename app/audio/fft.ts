/**
 * A small real FFT for the audio analysis (app/audio/analysis.ts): the spectra of many short,
 * windowed frames of one size, so the tables are built once per size. A real frame of n samples is
 * packed into a complex one of n/2 (even samples real, odd imaginary), transformed by an
 * iterative radix-2 FFT and split back into the n/2 + 1 bins of the real signal's spectrum.
 */

/** The power spectra of real frames of one power-of-two size. */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly bitReverse: Uint32Array;
  /** cos / sin of −2πk/half, the complex FFT's twiddles. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** cos / sin of −2πk/size, for splitting the packed transform. */
  private readonly splitCos: Float64Array;
  private readonly splitSin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  /** @param size samples per frame: a power of two, 4 or more */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) throw new RangeError(`FFT size must be a power of two of at least 4, got ${size}`);
    this.size = size;
    const half = size / 2;
    this.half = half;
    const bits = Math.log2(half);
    this.bitReverse = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    this.cos = new Float64Array(half / 2);
    this.sin = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      this.cos[k] = Math.cos((-2 * Math.PI * k) / half);
      this.sin[k] = Math.sin((-2 * Math.PI * k) / half);
    }
    this.splitCos = new Float64Array(half + 1);
    this.splitSin = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.splitCos[k] = Math.cos((-2 * Math.PI * k) / size);
      this.splitSin[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
  }

  /**
   * The spectrum X[k], k = 0 … size/2, of `frame` (size samples; `window` multiplies it when given),
   * as |X[k]|² into `power` (size/2 + 1 values). Unnormalised: a DC frame of ones gives power[0] = size².
   */
  power(frame: ArrayLike<number>, power: Float32Array | Float64Array, window?: ArrayLike<number>): void {
    const { half, re, im } = this;
    if (frame.length !== this.size) throw new RangeError(`frame has ${frame.length} samples, the FFT takes ${this.size}`);
    if (power.length !== half + 1) throw new RangeError(`power needs ${half + 1} values, got ${power.length}`);
    for (let m = 0; m < half; m++) {
      const j = this.bitReverse[m]!;
      re[j] = window ? frame[2 * m]! * window[2 * m]! : frame[2 * m]!;
      im[j] = window ? frame[2 * m + 1]! * window[2 * m + 1]! : frame[2 * m + 1]!;
    }
    this.transform();
    for (let k = 0; k <= half; k++) {
      // Z[k] and conj(Z[half − k]) give the even and odd samples' spectra E[k] and O[k].
      const a = k % half;
      const b = (half - k) % half;
      const zr = re[a]!;
      const zi = im[a]!;
      const cr = re[b]!;
      const ci = -im[b]!;
      const er = (zr + cr) / 2;
      const ei = (zi + ci) / 2;
      // O = (Z − conj Z') / 2i
      const or = (zi - ci) / 2;
      const oi = -(zr - cr) / 2;
      const wr = this.splitCos[k]!;
      const wi = this.splitSin[k]!;
      const xr = er + wr * or - wi * oi;
      const xi = ei + wr * oi + wi * or;
      power[k] = xr * xr + xi * xi;
    }
  }

  private transform(): void {
    const { half, re, im } = this;
    for (let len = 2; len <= half; len *= 2) {
      const step = half / len;
      for (let start = 0; start < half; start += len) {
        for (let k = 0; k < len / 2; k++) {
          const wr = this.cos[k * step]!;
          const wi = this.sin[k * step]!;
          const p = start + k;
          const q = p + len / 2;
          const tr = wr * re[q]! - wi * im[q]!;
          const ti = wr * im[q]! + wi * re[q]!;
          re[q] = re[p]! - tr;
          im[q] = im[p]! - ti;
          re[p] = re[p]! + tr;
          im[p] = im[p]! + ti;
        }
      }
    }
  }
}

/** The periodic Hann window of `size` samples. */
export function hann(size: number): Float32Array {
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
  return w;
}
