/**
 * Interpolation between latents, for walks, keyframes and blends.
 */

import { asWPlus, type W, type WPlus, type Z } from './types';

/** Below this sin Ω the great circle through the two directions is ill-defined: use lerp. */
const MIN_SIN_ANGLE = 1e-6;

/**
 * Linear interpolation `(1 − t)·a + t·b`, element-wise, rounded once to float32. Exact at the
 * ends: t = 0 gives a's values and t = 1 gives b's.
 * @param a the start
 * @param b the end, same length (and for WPlus, same shape) as a
 * @param t the position, 0 at a and 1 at b; values outside [0, 1] extrapolate
 * @returns a new array of a's kind
 * @throws RangeError on a shape mismatch or a non-finite t
 */
export function lerp(a: WPlus, b: WPlus, t: number): WPlus;
export function lerp(a: W, b: W, t: number): W;
export function lerp(a: Z, b: Z, t: number): Z;
export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array;
export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  checkPair(a, b, t);
  return likeA(a, lerpValues(a, b, t));
}

/**
 * Spherical interpolation for latents, as GAN latent walks use it, with the norm interpolated
 * linearly: the direction moves along the great circle from a/|a| to b/|b| at constant angular
 * speed, and the length goes linearly from |a| to |b|:
 *
 *   slerp(a, b, t) = ((1 − t)|a| + t|b|) · (sin((1 − t)Ω)·â + sin(tΩ)·b̂) / sin Ω,  cos Ω = â·b̂
 *
 * For |a| = |b| this is exactly the widely used GAN slerp (White 2016, "Sampling Generative
 * Networks": `sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b`), which keeps the norm along the path;
 * for unequal norms that formula sags, this one doesn't. When the vectors are (nearly) parallel
 * or opposite (sin Ω < 1e-6), or one is zero, the great circle is ill-defined and this returns
 * `lerp(a, b, t)` (which for opposite vectors passes near the origin). Exact at t = 0 and t = 1.
 * @param a the start
 * @param b the end, same length as a
 * @param t the position, 0 at a and 1 at b; values outside [0, 1] extrapolate along the circle
 * @returns a new array of a's kind
 * @throws RangeError on a length mismatch or a non-finite t
 */
export function slerp(a: W, b: W, t: number): W;
export function slerp(a: Z, b: Z, t: number): Z;
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array;
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  checkPair(a, b, t);
  const normA = norm(a);
  const normB = norm(b);
  if (normA === 0 || normB === 0) return likeA(a, lerpValues(a, b, t));
  // Ω = 2·atan2(|â − b̂|, |â + b̂|) stays accurate near 0 and π, unlike acos(â·b̂).
  let diff = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const u = a[i] / normA;
    const v = b[i] / normB;
    diff += (u - v) * (u - v);
    sum += (u + v) * (u + v);
  }
  const omega = 2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum));
  const sinOmega = Math.sin(omega);
  if (sinOmega < MIN_SIN_ANGLE) return likeA(a, lerpValues(a, b, t));
  const length = (1 - t) * normA + t * normB;
  const ca = (Math.sin((1 - t) * omega) / sinOmega) * (length / normA);
  const cb = (Math.sin(t * omega) / sinOmega) * (length / normB);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = ca * a[i] + cb * b[i];
  return likeA(a, out);
}

function checkPair(a: Float32Array, b: Float32Array, t: number): void {
  if (a.length !== b.length) {
    throw new RangeError(`Cannot interpolate latents of ${a.length} and ${b.length} values.`);
  }
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  if (sa && sb && (sa.numWs !== sb.numWs || sa.wDim !== sb.wDim)) {
    throw new RangeError(
      `Cannot interpolate ws of shape [${sa.numWs}, ${sa.wDim}] and [${sb.numWs}, ${sb.wDim}].`,
    );
  }
  if (!Number.isFinite(t)) throw new RangeError(`Interpolation position must be finite, got ${t}.`);
}

function shapeOf(x: Float32Array): { numWs: number; wDim: number } | undefined {
  const shaped = x as Float32Array & { numWs?: number; wDim?: number };
  return shaped.numWs !== undefined && shaped.wDim !== undefined
    ? { numWs: shaped.numWs, wDim: shaped.wDim }
    : undefined;
}

/** Gives `out` the run-time shape that `a` carries (WPlus); Z and W are tags only. */
function likeA(a: Float32Array, out: Float32Array): Float32Array {
  const shape = shapeOf(a);
  return shape ? asWPlus(out, shape.numWs, shape.wDim) : out;
}

function lerpValues(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i] + t * b[i];
  return out;
}

function norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}
