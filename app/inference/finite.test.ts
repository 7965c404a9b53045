import { describe, expect, it } from 'vitest';
import { checkFiniteImage, countNonFinite, NonFiniteOutputError } from './finite';

describe('finite output check', () => {
  it('counts NaN and both infinities, nothing else', () => {
    expect(countNonFinite(Float32Array.of(0, -1, 1e38, -0, 3.4e38))).toBe(0);
    expect(countNonFinite(Float32Array.of(NaN, 1, Infinity, -Infinity, 0))).toBe(3);
  });

  it('names the model and says what to do', () => {
    const image = { data: Float32Array.of(0.5, NaN, 0.1, 0.2), dims: [1, 1, 2, 2] };
    expect(() => checkFiniteImage(image, 'Broken GAN')).toThrow(NonFiniteOutputError);
    expect(() => checkFiniteImage(image, 'Broken GAN')).toThrow(/model "Broken GAN" produced NaN or infinite values \(1 of 4 .*re-export the model/);
    expect(() => checkFiniteImage({ data: Float32Array.of(0, 1), dims: [1, 1, 1, 2] }, 'ok')).not.toThrow();
  });
});
