import { describe, expect, it } from 'vitest';
import { clampPsi, cutoffDomain, cutoffProblem, psiDomain, psiProblem } from './latent-domain';

const stylegan = { family: 'stylegan', num_ws: 8 } as const;
const conditional = { family: 'conditional', num_ws: 0 } as const;
const plain = { family: 'plain', num_ws: 0 } as const;

describe('the truncation domains of a model', () => {
  it('takes ψ in [−1, 2] for StyleGAN and (0, 1] for conditional models', () => {
    expect([-1, 0, 1, 2].map((psi) => psiProblem(stylegan, psi))).toEqual([null, null, null, null]);
    expect(psiProblem(stylegan, 2.01)).toBe('must be in [-1, 2] for a stylegan model, got 2.01');
    expect(psiProblem(stylegan, Number.NaN)).toMatch(/must be in \[-1, 2\]/);
    expect(psiProblem(conditional, 0)).toBe('must be in (0, 1] for a conditional model, got 0');
    expect(psiProblem(conditional, 1.5)).toMatch(/\(0, 1\]/);
    expect([0.02, 0.5, 1].map((psi) => psiProblem(conditional, psi))).toEqual([null, null, null]);
    expect(psiProblem(plain, 0.7)).toBeNull();
  });

  it('clamps ψ onto the slider of the domain', () => {
    expect(clampPsi(psiDomain(conditional), -0.5)).toBe(0.02);
    expect(clampPsi(psiDomain(conditional), 1.7)).toBe(1);
    expect(clampPsi(psiDomain(stylegan), -3)).toBe(-1);
    expect(clampPsi(psiDomain(stylegan), 0.7)).toBe(0.7);
    expect(clampPsi(psiDomain(conditional), 0.01)).toBe(0.01);
    expect(clampPsi(psiDomain(conditional), 0)).toBe(0.02);
  });

  it('takes a cutoff of 0 … num_ws rows on StyleGAN only', () => {
    expect(cutoffDomain(stylegan)).toEqual({ min: 0, max: 8 });
    expect(cutoffDomain(conditional)).toBeNull();
    expect([null, 0, 8].map((c) => cutoffProblem(stylegan, c))).toEqual([null, null, null]);
    expect(cutoffProblem(stylegan, 9)).toBe('must be at most num_ws = 8');
    expect(cutoffProblem(stylegan, 2.5)).toMatch(/whole number/);
    expect(cutoffProblem(conditional, 3)).toBe('applies to StyleGAN models only');
    expect(cutoffProblem(conditional, null)).toBeNull();
  });
});
