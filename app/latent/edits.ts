/**
 * Attribute edits as one offset: the sum of every edit's `vector · scale · amount`, added to the
 * chosen ws rows (W space) or to z (Z space).
 */
import { asWPlus, asZ, type WPlus, type Z } from './types';

/** The parts of an edit the arithmetic needs (app/state/latent-state.ts has the full record). */
export interface EditTerm {
  space: 'w' | 'z';
  vector: ArrayLike<number>;
  scale: number;
  amount: number;
  /** Inclusive ws rows; null = all. */
  rows: readonly [number, number] | null;
}

/** ws plus the W-space edits; a new array, `ws` untouched. */
export function applyWEdits(ws: WPlus, edits: readonly EditTerm[]): WPlus {
  const { numWs, wDim } = ws;
  const out = ws.slice();
  for (const e of edits) {
    if (e.space !== 'w' || e.amount === 0) continue;
    if (e.vector.length !== wDim) throw new RangeError(`a W edit needs ${wDim} values, this one has ${e.vector.length}`);
    const [start, end] = e.rows ?? [0, numWs - 1];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end < numWs)) {
      throw new RangeError(`edit rows [${start}, ${end}] are outside ws rows 0–${numWs - 1}`);
    }
    const k = e.scale * e.amount;
    for (let row = start; row <= end; row++) {
      for (let j = 0; j < wDim; j++) out[row * wDim + j]! += e.vector[j]! * k;
    }
  }
  return asWPlus(out, numWs, wDim);
}

/** z plus the Z-space edits; a new array, `z` untouched. */
export function applyZEdits(z: Z, edits: readonly EditTerm[]): Z {
  const out = z.slice();
  for (const e of edits) {
    if (e.space !== 'z' || e.amount === 0) continue;
    if (e.vector.length !== z.length) throw new RangeError(`a Z edit needs ${z.length} values, this one has ${e.vector.length}`);
    const k = e.scale * e.amount;
    for (let j = 0; j < z.length; j++) out[j]! += e.vector[j]! * k;
  }
  return asZ(out, z.length);
}
