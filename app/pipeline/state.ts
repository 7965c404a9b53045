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

/**
 * One attribute edit: `delta = vector · scale · amount`, added to ws rows [start, end] (W space,
 * StyleGAN) or to z (Z space, other families). GANSpace directions use scale = σ of their component
 * (the slider is in σ units); SeFa and InterFaceGAN directions use scale = 1.
 */
export interface Edit {
  /** Id of the direction in the model's direction list (for the UI; the vector below is what counts). */
  id: string;
  name: string;
  space: 'w' | 'z';
  /** Unit (or as imported) direction, w_dim or z_dim values. */
  vector: number[];
  scale: number;
  amount: number;
  /** Inclusive ws row range the edit applies to (W space); null = every row. */
  rows: [number, number] | null;
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
  /** Attribute edits, summed into one offset after truncation and mixing. */
  edits: Edit[];
  /**
   * Class vector of a conditional model as weighted class indices (one-hot = one entry of weight
   * 1; a blend of two classes = two entries). Empty = class 0. Ignored by unconditional models.
   */
  classes: ClassWeight[];
}

/** One class's weight in the class vector. */
export interface ClassWeight {
  index: number;
  weight: number;
}

/** The class vector (length c_dim) a state stands for. */
export function classVector(classes: readonly ClassWeight[], cDim: number): Float32Array {
  const c = new Float32Array(cDim);
  if (cDim === 0) return c;
  if (classes.length === 0) c[0] = 1;
  for (const { index, weight } of classes) {
    if (!Number.isInteger(index) || index < 0 || index >= cDim) throw new RangeError(`class ${index} is outside 0–${cDim - 1}`);
    c[index]! += weight;
  }
  return c;
}

/** The state a freshly opened model starts in (NVIDIA's gen_images.py defaults, seed 0). */
export const DEFAULT_STATE: LatentState = { seed: 0, psi: 1, cutoff: null, mix: [], edits: [], classes: [] };

/** A stable text key for a state, used to tell which state a frame shows. */
export function stateKey(modelId: string, s: LatentState): string {
  const mix = s.mix
    .filter((m) => m.rows.length > 0)
    .map((m) => `${m.seed}:${[...m.rows].sort((a, b) => a - b).join('.')}`)
    .join(',');
  const edits = s.edits
    .filter((e) => e.amount !== 0)
    .map((e) => `${e.id}:${e.amount}${e.rows ? `@${e.rows[0]}-${e.rows[1]}` : ''}`)
    .join(',');
  const classes = s.classes.map((c) => `${c.index}:${c.weight}`).join(',');
  return `${modelId}|${s.seed}|${s.psi}|${s.cutoff ?? 'all'}${mix ? `|mix=${mix}` : ''}${edits ? `|edits=${edits}` : ''}${classes ? `|class=${classes}` : ''}`;
}

/** A full state from the fields that differ from {@link DEFAULT_STATE}. */
export function latentState(fields: Partial<LatentState>): LatentState {
  return { ...DEFAULT_STATE, mix: [], edits: [], classes: [], ...fields };
}
