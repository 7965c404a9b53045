/**
 * Explicit latents (issue 14): a ws or z given as numbers — an inversion result, NVIDIA's
 * projected_w.npz — instead of seed → z. Here: building one from raw values, checking that it fits
 * the open model (every refusal names both shapes), and reading projected_w.npz the way NVIDIA's
 * projector writes it. The render pipeline (app/inference/render.ts) feeds it.
 */
import type { Manifest } from '../model/manifest';
import { MAX_LATENT_VALUES } from '../codecs/limits';
import { NpyError } from '../codecs/npy';
import { parseNpz } from '../codecs/npz';
import type { ExplicitLatent, LatentState } from './latent-state';

/** Raised for an explicit latent that is malformed or does not fit the model; the message says what to do. */
export class ExplicitLatentError extends Error {
  override readonly name = 'ExplicitLatentError';
}

/** What the checks read of a manifest. */
export type LatentShapes = Pick<Manifest, 'id' | 'family' | 'num_ws' | 'w_dim' | 'z_dim'>;

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * An explicit latent from raw values, rounded to float32 (what the graphs are fed), so that every
 * copy of it — project, undo, PNG record — holds exactly the numbers that made the picture.
 * @throws ExplicitLatentError when the shape is not [num_ws, w_dim] ('ws') or [z_dim] ('z'), does not match
 *   the number of values, is larger than {@link MAX_LATENT_VALUES}, or a value is not finite
 */
export function explicitLatent(space: ExplicitLatent['space'], shape: readonly number[], values: ArrayLike<number>, origin: string): ExplicitLatent {
  const rank = space === 'ws' ? 2 : 1;
  if (shape.length !== rank || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ExplicitLatentError(`an explicit ${space} must have shape ${space === 'ws' ? '[num_ws, w_dim]' : '[z_dim]'}, not ${shapeText(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_LATENT_VALUES) throw new ExplicitLatentError(`an explicit ${space} of shape ${shapeText(shape)} has ${count} values, more than the ${MAX_LATENT_VALUES} the studio holds`);
  if (values.length !== count) throw new ExplicitLatentError(`an explicit ${space} of shape ${shapeText(shape)} needs ${count} values, not ${values.length}`);
  const data = Array.from(Float32Array.from(values));
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ExplicitLatentError(`value ${bad} of the explicit ${space} is ${values[bad]}, not a finite float32: the file is damaged or the inversion diverged`);
  return { space, shape: [...shape], data, origin };
}

/** The shape an explicit latent of `space` must have for `manifest`, or null when the family has no such space. */
export function expectedShape(space: ExplicitLatent['space'], manifest: LatentShapes): number[] | null {
  if (space === 'z') return [manifest.z_dim];
  return manifest.family === 'stylegan' ? [manifest.num_ws, manifest.w_dim] : null;
}

/** Why `explicit` cannot drive `manifest`'s model (naming both shapes), or null when it fits. */
export function explicitMismatch(explicit: ExplicitLatent, manifest: LatentShapes): string | null {
  const expected = expectedShape(explicit.space, manifest);
  const label = `the explicit ${explicit.space} (${explicit.origin || 'no origin'}) has shape ${shapeText(explicit.shape)}`;
  if (!expected) {
    return `${label}, but model "${manifest.id}" is a ${manifest.family} model with no W space (it takes z [${manifest.z_dim}]): open a StyleGAN model, or go back to the seed`;
  }
  if (expected.join(',') !== explicit.shape.join(',') || explicit.data.length !== expected.reduce((a, b) => a * b, 1)) {
    const names = explicit.space === 'ws' ? 'num_ws × w_dim' : 'z_dim';
    return `${label}, but model "${manifest.id}" takes ${explicit.space} ${shapeText(expected)} (${names}): open the model it was made for, or go back to the seed`;
  }
  return null;
}

/** Throws {@link ExplicitLatentError} when `explicit` does not fit `manifest` (see {@link explicitMismatch}). */
export function checkExplicitFits(explicit: ExplicitLatent, manifest: LatentShapes): void {
  const mismatch = explicitMismatch(explicit, manifest);
  if (mismatch) throw new ExplicitLatentError(mismatch);
}

/**
 * The first explicit latent in `state` (the main latent, then kept mixing sources, depth first)
 * that does not fit `manifest`, as a message; null when all fit or there are none.
 */
export function stateExplicitMismatch(state: LatentState, manifest: LatentShapes): string | null {
  if (state.explicit) {
    const mismatch = explicitMismatch(state.explicit, manifest);
    if (mismatch) return mismatch;
  }
  for (const source of state.mix) {
    const mismatch = source.kept ? stateExplicitMismatch(source.kept.state, manifest) : null;
    if (mismatch) return `mixing source "${source.kept!.label}": ${mismatch}`;
  }
  return null;
}

/**
 * Read NVIDIA's projector output (`np.savez(path, w=ws)` with ws [1, num_ws, w_dim] float32) as an
 * explicit ws for `manifest`. Also takes `w` of shape [num_ws, w_dim], and [1, w_dim] (one w,
 * repeated on every row, as the projector's W stage holds it).
 * @param origin what the UI calls it, e.g. the file name
 * @throws ExplicitLatentError when the file is not a readable .npz, has no `w`, the model has no W
 *   space, or the shape does not fit (naming the file's and the model's shapes)
 */
export function parseProjectedW(bytes: Uint8Array, manifest: Manifest, origin: string): ExplicitLatent {
  let arrays: ReturnType<typeof parseNpz>;
  try {
    arrays = parseNpz(bytes);
  } catch (error) {
    if (!(error instanceof NpyError)) throw error;
    throw new ExplicitLatentError(`${origin}: ${error.message}`);
  }
  const w = arrays.get('w');
  if (!w) {
    const keys = [...arrays.keys()];
    throw new ExplicitLatentError(`${origin} has no array "w" (it holds ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no arrays'}): save the projection as projector.py does, np.savez(path, w=ws)`);
  }
  if (manifest.family !== 'stylegan') {
    throw new ExplicitLatentError(`${origin} holds a W latent ${shapeText(w.shape)}, but model "${manifest.id}" is a ${manifest.family} model with no W space: open a StyleGAN model`);
  }
  const { num_ws: numWs, w_dim: wDim } = manifest;
  const s = w.shape;
  const full = (s.length === 3 && s[0] === 1 && s[1] === numWs && s[2] === wDim) || (s.length === 2 && s[0] === numWs && s[1] === wDim);
  const single = (s.length === 2 && s[0] === 1 && s[1] === wDim) || (s.length === 3 && s[0] === 1 && s[1] === 1 && s[2] === wDim);
  if (!full && !single) {
    throw new ExplicitLatentError(
      `${origin}: "w" has shape ${shapeText(s)}, but model "${manifest.id}" takes ws [1, ${numWs}, ${wDim}] (also [${numWs}, ${wDim}] or [1, ${wDim}]): project with this model's network`,
    );
  }
  const data = full ? w.data : repeatRow(w.data, numWs);
  return explicitLatent('ws', [numWs, wDim], data, origin);
}

function repeatRow(row: Float32Array, times: number): Float32Array {
  const out = new Float32Array(row.length * times);
  for (let r = 0; r < times; r++) out.set(row, r * row.length);
  return out;
}
