/**
 * A port of numpy's legacy `np.random.RandomState` for the draws latent-space tools make:
 * `RandomState(seed).randn(…)` (StyleGAN's gen_images.py) and
 * `scipy.stats.truncnorm.rvs(-2, 2, …, random_state=RandomState(seed))` (BigGAN).
 *
 * Fidelity: the MT19937 stream and the uniform doubles are bit-exact. Normal draws take numpy's
 * exact path; its one libm call, `log`, is `preciseLog` (correctly rounded) rather than V8's
 * `Math.log`, which misrounds often enough to put 1–2 ulp errors into ~4% of values. glibc's log
 * misrounds too, rarely (~3 inputs in 10⁴), so about 3 float64 values in 10⁴ still differ from
 * numpy on glibc by 1 ulp; after the float32 cast that latents go through, they agree.
 */

import { truncatedNormalPpf } from './normal';
import { preciseLog } from './precise-log';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * Reduces a seed to the 32 bits numpy accepts, as the studio does with `seed & 0xFFFFFFFF`
 * (Python semantics: negative integers wrap to two's complement, so -1 becomes 2³²−1).
 * @param seed any safe integer
 * @returns the seed modulo 2³², in [0, 2³²)
 * @throws RangeError if the seed is not a safe integer
 */
export function maskSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Seed must be a whole number, got ${seed}. Type an integer seed.`);
  }
  // ToUint32 reduces any safe integer modulo 2^32 exactly, negatives included.
  return seed >>> 0;
}

/**
 * numpy's legacy `RandomState`: MT19937 seeded like `np.random.RandomState(seed)` for an integer
 * seed (`init_genrand`), with the legacy 53-bit doubles and the legacy polar Box–Muller normals.
 */
export class RandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gauss = 0;

  /**
   * @param seed a non-negative integer. numpy only accepts seeds below 2³²; larger safe integers
   *   are reduced modulo 2³² (the studio's `seed & 0xFFFFFFFF`) instead of being rejected.
   * @throws RangeError for negative, fractional or unsafe seeds
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(
        `RandomState seed must be a non-negative integer, got ${seed}. ` +
          'Reduce it with maskSeed() first.',
      );
    }
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.key[i] = s;
      // init_genrand: s = 1812433253 * (s ^ (s >> 30)) + i + 1, all modulo 2^32.
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
  }

  /** Refills the 624-word state (the MT19937 "twist"). */
  private twist(): void {
    const key = this.key;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M - N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /**
   * The next raw 32-bit output of MT19937 (numpy's `randint(0, 2**32, dtype=np.uint32)`).
   * @returns an integer in [0, 2³²)
   */
  nextUint32(): number {
    if (this.pos === N) this.twist();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A uniform double in [0, 1) with 53 random bits, numpy's `random_sample()`:
   * `((a >>> 5) · 2²⁶ + (b >>> 6)) / 2⁵³` from two successive 32-bit outputs.
   */
  randomDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One standard normal draw: numpy's `legacy_gauss` (polar Box–Muller, second value cached). */
  private nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.gauss;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomDouble() - 1;
      x2 = 2 * this.randomDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * preciseLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * `n` standard normal draws, numpy's `randn(n)`. The cached second Box–Muller value carries
   * over between calls exactly as in numpy, so `randn(3)` then `randn(2)` equals `randn(5)`.
   * @param n how many values, a non-negative integer
   */
  randn(n: number): Float64Array {
    checkCount(n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextGauss();
    return out;
  }

  /**
   * `n` draws from the standard normal truncated to [a, b], as
   * `scipy.stats.truncnorm.rvs(a, b, size=n, random_state=this)` makes them in SciPy 1.10:
   * n uniform doubles (`random_sample`) pushed through the truncated normal's inverse CDF.
   * Agreement with SciPy is to a few 1e-15 absolute, not bit-exact (SciPy's own output depends
   * on the CPU; see `normal.ts`), so the float32 values BigGAN uses agree.
   * @param n how many values, a non-negative integer
   * @param a lower bound in standard deviations (BigGAN: −2)
   * @param b upper bound in standard deviations (BigGAN: 2), a < b
   * @throws RangeError unless a < b
   */
  truncnorm(n: number, a = -2, b = 2): Float64Array {
    checkCount(n);
    const ppf = truncatedNormalPpf(a, b);
    const uniforms = new Float64Array(n);
    for (let i = 0; i < n; i++) uniforms[i] = this.randomDouble();
    return uniforms.map(ppf);
  }
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Sample count must be a non-negative integer, got ${n}.`);
  }
}
