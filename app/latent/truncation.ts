/**
 * The truncation trick in W (StyleGAN's mapping network, applied outside the exported graph).
 */

import { asWPlus, type W, type WPlus } from './types';

/**
 * Pulls the first `cutoff` rows of ws toward the average w:
 * `ws[:, :cutoff] = w_avg + psi · (ws[:, :cutoff] − w_avg)`, rows from `cutoff` on unchanged
 * (StyleGAN2-ADA/3 `MappingNetwork.forward` with `truncation_cutoff`). Arithmetic is in float64,
 * rounded once to float32.
 * @param ws the mapped latents, mapping exported with ψ = 1
 * @param wAvg the model's tracked average w (`mapping.w_avg`), one row
 * @param psi ψ: 1 leaves ws as it is, 0 gives w_avg, values in between trade variety for
 *   quality; values outside [0, 1] extrapolate
 * @param cutoff how many leading rows to truncate, 0…numWs; `undefined` or `null` means all rows
 *   (StyleGAN's `truncation_cutoff=None`)
 * @returns a new WPlus; `ws` is not modified
 * @throws RangeError if wAvg's length is not ws.wDim, psi is not finite, or cutoff is not an
 *   integer in [0, numWs]
 */
export function truncate(ws: WPlus, wAvg: W, psi: number, cutoff?: number | null): WPlus {
  const { numWs, wDim } = ws;
  if (wAvg.length !== wDim) {
    throw new RangeError(`w_avg has ${wAvg.length} values but ws rows have w_dim = ${wDim}.`);
  }
  if (!Number.isFinite(psi)) {
    throw new RangeError(`Truncation ψ must be a finite number, got ${psi}.`);
  }
  const rows = cutoff ?? numWs;
  if (!Number.isInteger(rows) || rows < 0 || rows > numWs) {
    throw new RangeError(`Truncation cutoff must be an integer from 0 to ${numWs}, got ${cutoff}.`);
  }
  const out = ws.slice();
  for (let r = 0; r < rows; r++) {
    const base = r * wDim;
    for (let j = 0; j < wDim; j++) out[base + j] = wAvg[j] + psi * (ws[base + j] - wAvg[j]);
  }
  return asWPlus(out, numWs, wDim);
}
