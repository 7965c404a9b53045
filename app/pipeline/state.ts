/**
 * The latent state the studio renders: everything that decides the pixels of one frame.
 * Later features (mixing, edits, classes) extend it; every field has a neutral default.
 */

/** One frame's worth of latent controls. */
export interface LatentState {
  /** numpy seed, 0 … 2^32 − 1 (masked & 0xFFFFFFFF). */
  seed: number;
  /** Truncation ψ: 1 = none, 0 = the average latent. */
  psi: number;
  /** Truncate only the first `cutoff` ws rows; null = all rows. */
  cutoff: number | null;
}

/** The state a freshly opened model starts in (NVIDIA's gen_images.py defaults, seed 0). */
export const DEFAULT_STATE: LatentState = { seed: 0, psi: 1, cutoff: null };

/** A stable text key for a state, used to tell which state a frame shows. */
export function stateKey(modelId: string, s: LatentState): string {
  return `${modelId}|${s.seed}|${s.psi}|${s.cutoff ?? 'all'}`;
}
