/**
 * The latent state the studio renders: everything that decides the pixels of one frame.
 * Later features (edits, classes, noise) extend it; every field has a neutral default.
 */

/**
 * A style-mixing source: the ws rows in `rows` are taken from this seed's (truncated) ws, or from
 * the final ws of `kept` when the source is a latent the user has kept.
 */
export interface MixSource {
  seed: number;
  /** ws row indices taken from this source; empty = the source has no effect. */
  rows: number[];
  /** A kept latent to take the rows from instead of `seed` (absent = the seed is the source). */
  kept?: KeptLatent;
}

/**
 * A latent the user has kept (a timeline keyframe), copied into a mixing source so that the mix
 * stays reproducible when the keyframe later changes or goes.
 */
export interface KeptLatent {
  /** How the studio names it, e.g. "Keyframe 2". */
  label: string;
  /** The kept state; its own ψ, cutoff, mixing and edits decide the ws the rows come from. */
  state: LatentState;
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

/**
 * What the synthesis graph's per-layer noise inputs are fed (packages exported with
 * `--noise-inputs`; others bake const noise in and ignore this): const = the package's stored
 * noise, random = unit normal noise from `seed`, none = zeros; whatever is fed is × `strength`.
 */
export interface NoiseSettings {
  mode: 'const' | 'random' | 'none';
  /** numpy seed of the random noise, 0 … 2^32 − 1 (used in random mode only). */
  seed: number;
  /** Multiplies the fed noise: 1 = as trained, 0 = none. */
  strength: number;
}

/**
 * StyleGAN3's input transform as NVIDIA's visualizer and gen_images.py set it (packages exported
 * with `--transform-input`; others ignore it): translate the picture by (x, y) in the units of
 * gen_images.py `--translate` and rotate it by `angle` degrees (`--rotate`).
 */
export interface InputTransform {
  x: number;
  y: number;
  angle: number;
}

/** A latent given as numbers instead of seed → z (an inversion result, NVIDIA's projected_w.npz). */
export interface ExplicitLatent {
  /** 'ws': rows fed to synthesis as they are, shape [num_ws, w_dim] (W when every row is equal, W+ otherwise); 'z': replaces seed → z, shape [z_dim]. */
  space: 'ws' | 'z';
  shape: number[];
  /** Row-major float values (plain numbers, so projects, undo and structuredClone carry it). */
  data: number[];
  /** Where it came from, shown in the UI, e.g. "inverted from cat.png", "projected_w.npz". */
  origin: string;
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
  /** Noise fed to the synthesis graph's noise inputs (StyleGAN2 packages that expose them). */
  noise: NoiseSettings;
  /** StyleGAN3 input transform (packages that expose it). */
  transform: InputTransform;
  /**
   * The main latent as numbers (app/state/explicit-latent.ts); absent = seed → z. `ws` replaces
   * mapping (then ψ/cutoff truncate it as a mapped ws), `z` replaces the seed's z.
   */
  explicit?: ExplicitLatent;
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

/** Noise as the package was exported: its stored const noise at full strength (gen_images.py's default). */
export const DEFAULT_NOISE: Readonly<NoiseSettings> = Object.freeze({ mode: 'const', seed: 0, strength: 1 });

/** No translation, no rotation: the stored input transform. */
export const DEFAULT_TRANSFORM: Readonly<InputTransform> = Object.freeze({ x: 0, y: 0, angle: 0 });

/** The state a freshly opened model starts in (NVIDIA's gen_images.py defaults, seed 0). */
export const DEFAULT_STATE: LatentState = {
  seed: 0,
  psi: 1,
  cutoff: null,
  mix: [],
  edits: [],
  classes: [],
  noise: { ...DEFAULT_NOISE },
  transform: { ...DEFAULT_TRANSFORM },
};

function isDefaultNoise(n: NoiseSettings): boolean {
  return n.mode === DEFAULT_NOISE.mode && n.seed === DEFAULT_NOISE.seed && n.strength === DEFAULT_NOISE.strength;
}

function isDefaultTransform(t: InputTransform): boolean {
  return t.x === 0 && t.y === 0 && t.angle === 0;
}

const digests = new WeakMap<ExplicitLatent, string>();

/**
 * A digest of an explicit latent's values: two 32-bit FNV-1a hashes over the float32 bits, so two
 * latents that feed the graphs the same numbers get the same key. Cached per object: the store
 * never mutates a latent, and keys are asked for on every frame.
 */
function explicitDigest(e: ExplicitLatent): string {
  const cached = digests.get(e);
  if (cached) return cached;
  const bits = new Uint32Array(Float32Array.from(e.data).buffer);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bits.length;
  for (const v of bits) {
    a = Math.imul(a ^ v, 0x01000193) >>> 0;
    b = Math.imul(b ^ ((v >>> 16) | (v << 16)), 0x01000193) >>> 0;
  }
  const digest = `${e.space}:${e.shape.join('x')}:${a.toString(16)}${b.toString(16)}`;
  digests.set(e, digest);
  return digest;
}

/** A stable text key for a state, used to tell which state a frame shows. */
export function stateKey(modelId: string, s: LatentState): string {
  const mix = s.mix
    .filter((m) => m.rows.length > 0)
    .map((m) => `${m.kept ? `kept(${stateKey('', m.kept.state)})` : m.seed}:${[...m.rows].sort((a, b) => a - b).join('.')}`)
    .join(',');
  const edits = s.edits
    .filter((e) => e.amount !== 0)
    .map((e) => `${e.id}:${e.amount}${e.rows ? `@${e.rows[0]}-${e.rows[1]}` : ''}`)
    .join(',');
  const classes = s.classes.map((c) => `${c.index}:${c.weight}`).join(',');
  // Only non-default noise and transforms enter the key, so the keys of older states stay as they were.
  const noise = isDefaultNoise(s.noise) ? '' : `|noise=${s.noise.mode}:${s.noise.seed}:${s.noise.strength}`;
  const transform = isDefaultTransform(s.transform) ? '' : `|transform=${s.transform.x},${s.transform.y},${s.transform.angle}`;
  const explicit = s.explicit ? `|explicit=${explicitDigest(s.explicit)}` : '';
  return `${modelId}|${s.seed}|${s.psi}|${s.cutoff ?? 'all'}${mix ? `|mix=${mix}` : ''}${edits ? `|edits=${edits}` : ''}${classes ? `|class=${classes}` : ''}${noise}${transform}${explicit}`;
}

/** A full state from the fields that differ from {@link DEFAULT_STATE}. */
export function latentState(fields: Partial<LatentState>): LatentState {
  return { ...DEFAULT_STATE, mix: [], edits: [], classes: [], noise: { ...DEFAULT_NOISE }, transform: { ...DEFAULT_TRANSFORM }, ...fields };
}
