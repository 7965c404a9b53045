import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, pythonFileJson, pythonMissing } from '../../test-support/python';
import { RandomState } from './random';

/** Output of models/tools/seed_reference.py (float64 values as float.hex strings). */
interface Reference {
  numpy: string;
  scipy: string | null;
  uint32: { seed: number; values: number[] }[];
  random_sample: { seed: number; values: string[] }[];
  randn: { seed: number; zdim: number; values: string[] }[];
  randn_sequence: { seed: number; sizes: number[]; values: string[][] };
  truncnorm: { seed: number; a: number; b: number; values: string[] }[] | null;
}

const SCRIPT = fileURLToPath(new URL('../../models/tools/seed_reference.py', import.meta.url));

/** How many representable float64 values lie between x and y (0 when bit-identical or ±0). */
function ulpDistance(x: number, y: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  const ordered = (v: number): bigint => {
    view.setFloat64(0, v);
    const bits = view.getBigUint64(0);
    const magnitude = bits & 0x7fff_ffff_ffff_ffffn;
    return bits >> 63n ? -magnitude : magnitude;
  };
  const d = ordered(x) - ordered(y);
  return d < 0n ? -d : d;
}

/** Largest ulp distance between actual and expected, and how many entries differ at all. */
function compare(
  actual: ArrayLike<number>,
  expected: readonly string[],
): { max: bigint; differing: number } {
  expect(actual.length).toBe(expected.length);
  let max = 0n;
  let differing = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = ulpDistance(actual[i], fromHex(expected[i]));
    if (d > max) max = d;
    if (d > 0n) differing++;
  }
  return { max, differing };
}

describe('test helpers', () => {
  it('parse float.hex and measure ulps', () => {
    expect(fromHex('0x1.8000000000000p+1')).toBe(3);
    expect(fromHex('-0x1.0000000000000p-2')).toBe(-0.25);
    expect(fromHex('0x0.0000000000001p-1022')).toBe(Number.MIN_VALUE);
    expect(fromHex('0x1.fffffffffffffp+1023')).toBe(Number.MAX_VALUE);
    expect(ulpDistance(1, 1 + Number.EPSILON)).toBe(1n);
    expect(ulpDistance(-Number.MIN_VALUE, Number.MIN_VALUE)).toBe(2n);
    expect(ulpDistance(0, -0)).toBe(0n);
  });
});

describe('RandomState arguments', () => {
  it('reduces seeds of 2^32 and above modulo 2^32', () => {
    expect(new RandomState(2 ** 32 + 5).randn(7)).toEqual(new RandomState(5).randn(7));
    expect(new RandomState(2 ** 40).nextUint32()).toBe(new RandomState(0).nextUint32());
  });

  it('rejects negative, fractional and unsafe seeds and bad counts', () => {
    expect(() => new RandomState(-1)).toThrow(RangeError);
    expect(() => new RandomState(1.5)).toThrow(RangeError);
    expect(() => new RandomState(2 ** 53)).toThrow(RangeError);
    expect(() => new RandomState(NaN)).toThrow(RangeError);
    expect(() => new RandomState(0).randn(-1)).toThrow(RangeError);
    expect(() => new RandomState(0).randn(2.5)).toThrow(RangeError);
    expect(() => new RandomState(0).truncnorm(4, 2, 2)).toThrow(RangeError);
  });

  it('draws the same normals in one call or several', () => {
    const whole = new RandomState(99).randn(9);
    const parts = new RandomState(99);
    const joined = Float64Array.from([...parts.randn(3), ...parts.randn(1), ...parts.randn(5)]);
    expect(joined).toEqual(whole);
  });
});

const reference = pythonMissing('numpy') ? undefined : pythonFileJson<Reference>(SCRIPT);
const truncnormCases = reference?.truncnorm ?? undefined;
if (reference && !truncnormCases) {
  console.warn('Skipping scipy comparisons in random.test.ts: scipy is not importable.');
}

/** The reference inside a test that only runs when it exists. */
function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('reference data missing in a test that needs it');
  return value;
}

describe.skipIf(reference === undefined)('RandomState against numpy', () => {

  it('produces the MT19937 stream bit for bit', () => {
    const ref = need(reference);
    for (const { seed, values } of ref.uint32) {
      const rs = new RandomState(seed);
      expect(values.map(() => rs.nextUint32()), `seed ${seed}`).toEqual(values);
    }
  });

  it('produces random_sample doubles bit for bit', () => {
    const ref = need(reference);
    for (const { seed, values } of ref.random_sample) {
      const rs = new RandomState(seed);
      expect(values.map(() => rs.randomDouble()), `seed ${seed}`).toEqual(values.map(fromHex));
    }
  });

  it('matches randn(1, z_dim) within 1 ulp for every seed and z_dim', () => {
    const ref = need(reference);
    expect(ref.randn.length).toBeGreaterThanOrEqual(40);
    let total = 0;
    let differing = 0;
    for (const { seed, zdim, values } of ref.randn) {
      const result = compare(new RandomState(seed).randn(zdim), values);
      expect(result.max, `seed ${seed}, z_dim ${zdim}`).toBeLessThanOrEqual(1n);
      total += values.length;
      differing += result.differing;
    }
    console.info(
      `randn vs numpy ${ref.numpy}: ${differing} of ${total} float64 values differ by 1 ulp`,
    );
  });

  it('carries the cached Box–Muller value across successive randn calls', () => {
    const { seed, sizes, values } = need(reference).randn_sequence;
    expect(sizes.filter((k) => k % 2 === 1).length).toBeGreaterThan(2);
    const rs = new RandomState(seed);
    sizes.forEach((k, i) => {
      expect(compare(rs.randn(k), values[i]).max, `call ${i}: randn(${k})`).toBeLessThanOrEqual(1n);
    });
  });
});

describe.skipIf(truncnormCases === undefined)('RandomState.truncnorm against scipy', () => {

  // SciPy's own samples vary with the CPU in the last bits (see normal.ts); near the median the
  // inverse CDF turns last-bit differences into absolute rather than relative ones.
  it('matches truncnorm.rvs(a, b) to 1e-13 absolute', () => {
    let total = 0;
    let differing = 0;
    let maxAbs = 0;
    for (const { seed, a, b, values } of need(truncnormCases)) {
      const actual = new RandomState(seed).truncnorm(values.length, a, b);
      const expected = values.map(fromHex);
      const abs = Math.max(...expected.map((v, i) => Math.abs(actual[i] - v)));
      expect(abs, `seed ${seed}, [${a}, ${b}]`).toBeLessThan(1e-13);
      for (const v of actual) {
        expect(v).toBeGreaterThanOrEqual(a);
        expect(v).toBeLessThanOrEqual(b);
      }
      total += values.length;
      differing += compare(actual, values).differing;
      maxAbs = Math.max(maxAbs, abs);
    }
    console.info(
      `truncnorm vs scipy ${need(reference).scipy}: ${differing} of ${total} float64 values ` +
        `differ, by at most ${maxAbs.toExponential(2)}`,
    );
  });
});
