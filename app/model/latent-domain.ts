/**
 * Which truncation values a model takes: rules of the model, so the ψ slider, the store, project
 * loading and the CLI all ask here instead of each keeping its own range.
 *
 * StyleGAN truncates in W, `w_avg + ψ·(w − w_avg)`: any finite ψ is defined, and the studio offers
 * −1…2 (beyond that the picture is a caricature of w_avg's). A conditional model (BigGAN) draws
 * z = ψ·truncnorm(−2, 2) and feeds ψ to the graph, which picks its batch-norm statistics from rows
 * stored for ψ in (0, 1] in steps of 0.02. Plain models ignore ψ; they share StyleGAN's range so a
 * state can move between models unchanged. The cutoff counts truncated ws rows: StyleGAN only.
 */
import type { Manifest } from './manifest';

/** The ψ values a model takes, and the slider step the studio offers. */
export interface PsiDomain {
  min: number;
  max: number;
  /** Whether `min` itself is outside the domain (conditional models: ψ = 0 has no statistics). */
  minExclusive: boolean;
  /** The smallest value the slider offers (above `min` when it is exclusive). */
  sliderMin: number;
  step: number;
}

const STYLEGAN_PSI: PsiDomain = { min: -1, max: 2, minExclusive: false, sliderMin: -1, step: 0.01 };
const CONDITIONAL_PSI: PsiDomain = { min: 0, max: 1, minExclusive: true, sliderMin: 0.02, step: 0.02 };

/** The ψ domain of a model of `manifest`'s family. */
export function psiDomain(manifest: Pick<Manifest, 'family'>): PsiDomain {
  return manifest.family === 'conditional' ? CONDITIONAL_PSI : STYLEGAN_PSI;
}

/** `psi` itself when `domain` holds it, else moved in (to the slider's minimum below it, to `max` above it). */
export function clampPsi(domain: PsiDomain, psi: number): number {
  if (!Number.isFinite(psi) || psi < domain.min || (domain.minExclusive && psi === domain.min)) return domain.sliderMin;
  return Math.min(domain.max, psi);
}

/** Why `psi` is outside the model's domain ("must be …"), or null when it is inside. */
export function psiProblem(manifest: Pick<Manifest, 'family'>, psi: number): string | null {
  const d = psiDomain(manifest);
  const inside = Number.isFinite(psi) && (d.minExclusive ? psi > d.min : psi >= d.min) && psi <= d.max;
  if (inside) return null;
  const range = `${d.minExclusive ? '(' : '['}${d.min}, ${d.max}]`;
  return `must be in ${range} for a ${manifest.family} model, got ${psi}`;
}

/** The cutoffs a model takes: whole numbers of ws rows from 0 to `max`, or none at all (null). */
export function cutoffDomain(manifest: Pick<Manifest, 'family' | 'num_ws'>): { min: number; max: number } | null {
  return manifest.family === 'stylegan' ? { min: 0, max: manifest.num_ws } : null;
}

/** Why `cutoff` does not fit the model ("must be …" / "applies to …"), or null when it does (null cutoff: every row). */
export function cutoffProblem(manifest: Pick<Manifest, 'family' | 'num_ws'>, cutoff: number | null): string | null {
  if (cutoff === null) return null;
  const domain = cutoffDomain(manifest);
  if (!domain) return 'applies to StyleGAN models only';
  if (!Number.isInteger(cutoff) || cutoff < domain.min) return `must be a whole number of rows, ${domain.min} or more, got ${cutoff}`;
  if (cutoff > domain.max) return `must be at most num_ws = ${domain.max}`;
  return null;
}
