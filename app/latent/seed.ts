/**
 * Seed → latent, matching the reference scripts a seed number comes from.
 */

import { maskSeed, RandomState } from './random';
import { asZ, type Z } from './types';

/**
 * The z a StyleGAN-style script draws for `seed`: `np.random.RandomState(seed).randn(1, z_dim)`
 * cast to float32, as NVIDIA's gen_images.py does (so seed 42 here is seed 42 there).
 * @param seed any safe integer; it is reduced with `seed & 0xFFFFFFFF` (Python semantics), the
 *   range numpy accepts
 * @param zDim the model's z_dim
 * @throws RangeError for a non-integer seed or a zDim that is not a positive integer
 */
export function seedToZ(seed: number, zDim: number): Z {
  checkZDim(zDim);
  return asZ(Float32Array.from(new RandomState(maskSeed(seed)).randn(zDim)), zDim);
}

/**
 * The z BigGAN's `truncated_noise_sample(dim_z=zDim, truncation=psi, seed=seed)` returns:
 * `psi · truncnorm.rvs(-2, 2, size=(1, z_dim), random_state=RandomState(seed))` where the
 * samples are cast to float32 first and the product is taken in float32, as numpy does there.
 * @param seed any safe integer, reduced with `seed & 0xFFFFFFFF`
 * @param zDim the model's z_dim (128 for BigGAN)
 * @param psi the truncation, in (0, 1] for BigGAN (the same value goes to the model's truncation
 *   input)
 * @throws RangeError for a non-integer seed, a bad zDim or a non-finite psi
 */
export function seedToTruncatedZ(seed: number, zDim: number, psi: number): Z {
  checkZDim(zDim);
  if (!Number.isFinite(psi)) {
    throw new RangeError(`Truncation ψ must be a finite number, got ${psi}.`);
  }
  const samples = new RandomState(maskSeed(seed)).truncnorm(zDim, -2, 2);
  const psi32 = Math.fround(psi);
  // float32 × float32 is exact in float64, so one fround gives numpy's float32 product.
  return asZ(Float32Array.from(samples, (v) => psi32 * Math.fround(v)), zDim);
}

function checkZDim(zDim: number): void {
  if (!Number.isSafeInteger(zDim) || zDim <= 0) {
    throw new RangeError(`z_dim must be a positive integer, got ${zDim}.`);
  }
}
