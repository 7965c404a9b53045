/**
 * Style mixing: taking some layers' latents from another image.
 */

import { asWPlus, type WPlus } from './types';

/**
 * Copies the chosen rows of `other` into a copy of `ws`: `ws[i] = other[i]` for each i in
 * `rows`, every other row untouched (StyleGAN's `w[col_styles] = w_col[col_styles]`).
 * @param ws the latents that keep their unchosen rows
 * @param other the latents the chosen rows come from, same shape as ws
 * @param rows row indices in [0, numWs); repeats are harmless, an empty set returns a copy of ws
 * @returns a new WPlus; neither input is modified
 * @throws RangeError if the shapes differ or a row is not an integer in [0, numWs)
 */
export function mixRows(ws: WPlus, other: WPlus, rows: Iterable<number>): WPlus {
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
  const out = ws.slice();
  for (const row of chosen) {
    out.set(other.subarray(row * wDim, (row + 1) * wDim), row * wDim);
  }
  return asWPlus(out, numWs, wDim);
}
