/**
 * float32 → IEEE 754 binary16 rounding for the half-precision pass (fp16.ts). Node 20 and the
 * browsers the studio supports have no Float16Array or Math.f16round everywhere, so the bits are
 * formed here: round to nearest, ties to even, as numpy's `astype(np.float16)` and the GPU do.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The largest finite float16, 65504. */
export const FLOAT16_MAX = 65504;
const FLOAT16_MAX_BITS = 0x7bff;
const FLOAT16_INFINITY_BITS = 0x7c00;

/**
 * The binary16 bits of `value` (first rounded to float32, as the weights already are), rounded to
 * nearest even. Values beyond the float16 range become ±Infinity and NaN stays NaN; callers that
 * must not make infinities use {@link packFloat16}.
 */
export function float16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | FLOAT16_INFINITY_BITS | (mantissa ? 0x200 : 0);
  const e = exponent - 112; // the float16 exponent field: 127 - 15 = 112 apart
  if (e >= 0x1f) return sign | FLOAT16_INFINITY_BITS;
  if (e <= 0) {
    // A float16 subnormal (units of 2^-24) or zero: below 2^-25 nothing is left to round up.
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const dropped = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    let m = full >>> shift;
    if (dropped > half || (dropped === half && m & 1)) m++;
    return sign | m; // a carry into bit 10 is the smallest normal, correctly
  }
  let h = sign | (e << 10) | (mantissa >>> 13);
  const dropped = mantissa & 0x1fff;
  // A carry may ripple into the exponent, up to Infinity: that is what rounding gives.
  if (dropped > 0x1000 || (dropped === 0x1000 && h & 1)) h++;
  return h;
}

/** What {@link packFloat16} had to change beyond ordinary rounding. */
export interface Float16Packing {
  /** Little-endian binary16 values, two bytes each. */
  readonly bytes: Uint8Array;
  /** Finite values beyond ±65504 (after rounding), stored as ±65504 instead of ±Infinity. */
  readonly overflowed: number;
  /** Non-zero values that rounded to zero (|v| ≤ 2^-25). */
  readonly flushed: number;
}

/**
 * `values` as little-endian float16. Overflow saturates at ±{@link FLOAT16_MAX}, since an infinite
 * weight would turn a whole picture into NaN where a saturated one only clips; both it and
 * flushing to zero are counted for the report.
 */
export function packFloat16(values: Float32Array): Float16Packing {
  const bytes = new Uint8Array(values.length * 2);
  let overflowed = 0;
  let flushed = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let h = float16Bits(v);
    if ((h & 0x7fff) === FLOAT16_INFINITY_BITS && Number.isFinite(v)) {
      h = (h & 0x8000) | FLOAT16_MAX_BITS;
      overflowed++;
    } else if ((h & 0x7fff) === 0 && v !== 0) flushed++;
    bytes[i * 2] = h & 0xff;
    bytes[i * 2 + 1] = h >>> 8;
  }
  return { bytes, overflowed, flushed };
}
