/**
 * Latent-space math for the studio: numpy-compatible seeds, truncation, style mixing and
 * interpolation. Pure TypeScript with no platform imports, shared by renderer and hosts.
 */

export { asW, asWPlus, asZ, wPlusRow, type W, type WPlus, type Z } from './types';
export { maskSeed, RandomState } from './random';
export { seedToTruncatedZ, seedToZ } from './seed';
export { truncate } from './truncation';
export { mixRows } from './mixing';
export { lerp, slerp } from './interpolate';
