import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, pythonFileJson, pythonMissing } from '../../test-support/python';
import { seedToTruncatedZ, seedToZ } from './seed';

/** The parts of models/tools/seed_reference.py's output this file uses. */
interface Reference {
  numpy: string;
  randn: { seed: number; zdim: number; values: string[] }[];
  truncated_noise: { seed: number; psi: number; values: string[] }[] | null;
}

const SCRIPT = fileURLToPath(new URL('../../models/tools/seed_reference.py', import.meta.url));

/** float.hex() string → the float32 it rounds to (exact parse, then one rounding). */
const float32FromHex = (text: string): number => Math.fround(fromHex(text));

describe('seed arguments', () => {
  it('masks seeds like `seed & 0xFFFFFFFF`', () => {
    expect(seedToZ(2 ** 32 + 42, 16)).toEqual(seedToZ(42, 16));
    expect(seedToZ(-1, 16)).toEqual(seedToZ(2 ** 32 - 1, 16));
    expect(seedToTruncatedZ(2 ** 33 + 7, 16, 0.5)).toEqual(seedToTruncatedZ(7, 16, 0.5));
  });

  it('rejects fractional seeds, bad z_dim and bad ψ', () => {
    expect(() => seedToZ(0.5, 16)).toThrow(RangeError);
    expect(() => seedToZ(1, 0)).toThrow(RangeError);
    expect(() => seedToZ(1, 3.5)).toThrow(RangeError);
    expect(() => seedToTruncatedZ(1, 16, NaN)).toThrow(RangeError);
  });

  it('returns float32 arrays of length z_dim, ψ = 0 giving zeros', () => {
    const z = seedToZ(3, 100);
    expect(z).toBeInstanceOf(Float32Array);
    expect(z.length).toBe(100);
    expect([...seedToTruncatedZ(3, 128, 0)].every((v) => v === 0)).toBe(true);
  });
});

const reference = pythonMissing('numpy') ? undefined : pythonFileJson<Reference>(SCRIPT);
const noise = reference?.truncated_noise ?? undefined;
if (reference && !noise) console.warn('Skipping BigGAN comparisons in seed.test.ts: no scipy.');

/** The reference inside a test that only runs when it exists. */
function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('reference data missing in a test that needs it');
  return value;
}

describe.skipIf(reference === undefined)('seedToZ against numpy', () => {
  it('equals float32(RandomState(seed).randn(1, z_dim)) exactly for every seed and z_dim', () => {
    const ref = need(reference);
    const seeds = new Set(ref.randn.map((r) => r.seed));
    for (const s of [0, 1, 42, 2 ** 31, 2 ** 32 - 1]) expect(seeds.has(s), `seed ${s}`).toBe(true);
    expect(new Set(ref.randn.map((r) => r.zdim))).toEqual(new Set([128, 512]));
    for (const { seed, zdim, values } of ref.randn) {
      expect(seedToZ(seed, zdim), `seed ${seed}, z_dim ${zdim}`).toEqual(
        Float32Array.from(values, float32FromHex),
      );
    }
  });
});

describe.skipIf(noise === undefined)('seedToTruncatedZ against truncated_noise_sample', () => {
  it('equals psi · truncnorm(-2, 2).astype(float32) exactly', () => {
    for (const { seed, psi, values } of need(noise)) {
      expect(seedToTruncatedZ(seed, values.length, psi), `seed ${seed}, ψ ${psi}`).toEqual(
        Float32Array.from(values, float32FromHex),
      );
    }
  });
});
