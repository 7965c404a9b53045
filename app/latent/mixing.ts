/**
 * Style mixing: taking some layers' latents from another image.
 */

import { asWPlus, type WPlus } from './types';

/**
 * Copies the chosen rows of `other` into a copy of `ws`: `ws[i] = other[i]` for each i in
 * `rows`, every other row untouched (StyleGAN's `w[col_styles] = w_col[col_styles]`). A weight
 * below 1 moves the chosen rows only part of the way: `ws[i] + weight·(other[i] − ws[i])`, so a
 * source can be faded in (an audio mapping or a MIDI knob drives it).
 * @param ws the latents that keep their unchosen rows
 * @param other the latents the chosen rows come from, same shape as ws
 * @param rows row indices in [0, numWs); repeats are harmless, an empty set returns a copy of ws
 * @param weight 0 = no effect, 1 = the rows fully from `other` (the default)
 * @returns a new WPlus; neither input is modified
 * @throws RangeError if the shapes differ or a row is not an integer in [0, numWs)
 */
export function mixRows(ws: WPlus, other: WPlus, rows: Iterable<number>, weight = 1): WPlus {
  const { numWs, wDim } = ws;
  if (other.numWs !== numWs || other.wDim !== wDim) {
    throw new RangeError(
      `Cannot mix ws of shape [${numWs}, ${wDim}] ` +
        `with ws of shape [${other.numWs}, ${other.wDim}].`,
    );
  }
  const chosen = [...rows];
  for (const row of chosen) {
    if (!Number.isInteger(row) || row < 0 || row >= numWs) {
      throw new RangeError(`Style-mixing row ${row} is outside rows 0–${numWs - 1}.`);
    }
  }
  if (!Number.isFinite(weight)) throw new RangeError(`Style-mixing weight must be a finite number, got ${weight}.`);
  const out = ws.slice();
  for (const row of new Set(chosen)) {
    if (weight === 1) {
      out.set(other.subarray(row * wDim, (row + 1) * wDim), row * wDim);
      continue;
    }
    for (let j = row * wDim; j < (row + 1) * wDim; j++) out[j] = ws[j]! + weight * (other[j]! - ws[j]!);
  }
  return asWPlus(out, numWs, wDim);
}
