/**
 * The latent state the studio renders: everything that decides the pixels of one frame.
 * Later features (edits, classes, noise) extend it; every field has a neutral default.
 */

/** A style-mixing source: the ws rows in `rows` are taken from this seed's (truncated) ws. */
export interface MixSource {
  seed: number;
  /** ws row indices taken from this source; empty = the source has no effect. */
  rows: number[];
}

/** The most mixing sources the studio offers at once. */
export const MAX_MIX_SOURCES = 3;

/** One frame's worth of latent controls. */
export interface LatentState {
  /** numpy seed, 0 … 2^32 − 1 (masked & 0xFFFFFFFF). */
  seed: number;
  /** Truncation ψ: 1 = none, 0 = the average latent. */
  psi: number;
  /** Truncate only the first `cutoff` ws rows; null = all rows. */
  cutoff: number | null;
  /** Style-mixing sources, applied in order after truncation (later sources win on shared rows). */
  mix: MixSource[];
}

/** The state a freshly opened model starts in (NVIDIA's gen_images.py defaults, seed 0). */
export const DEFAULT_STATE: LatentState = { seed: 0, psi: 1, cutoff: null, mix: [] };

/** A stable text key for a state, used to tell which state a frame shows. */
export function stateKey(modelId: string, s: LatentState): string {
  const mix = s.mix
    .filter((m) => m.rows.length > 0)
    .map((m) => `${m.seed}:${[...m.rows].sort((a, b) => a - b).join('.')}`)
    .join(',');
  return `${modelId}|${s.seed}|${s.psi}|${s.cutoff ?? 'all'}${mix ? `|mix=${mix}` : ''}`;
}

/** A full state from the fields that differ from {@link DEFAULT_STATE}. */
export function latentState(fields: Partial<LatentState>): LatentState {
  return { ...DEFAULT_STATE, mix: [], ...fields };
}
