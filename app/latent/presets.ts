/**
 * Style-mixing presets derived from the resolution at which each ws row is used (the manifest's
 * `ws_resolutions`), following the StyleGAN paper's split: coarse = rows used at 4–8 px (pose,
 * shape), middle = 16–32 px, fine = 64 px and up (colour, texture). Models below 64 px have no
 * such rows, so there fine = the rows of the top resolution, and middle = those between.
 */

/** The three classic groups. */
export type MixPreset = 'coarse' | 'middle' | 'fine';

/** Row indices of each preset for a model whose ws rows are used at `wsResolutions`. */
export function mixPresets(wsResolutions: readonly number[]): Record<MixPreset, number[]> {
  if (wsResolutions.length === 0) return { coarse: [], middle: [], fine: [] };
  const top = Math.max(...wsResolutions);
  const rows = wsResolutions.map((res, index) => ({ res, index }));
  const fineFrom = top >= 64 ? 64 : top;
  const fine = rows.filter((r) => r.res >= fineFrom).map((r) => r.index);
  const coarse = rows.filter((r) => r.res <= 8 && r.res < fineFrom).map((r) => r.index);
  const middle = rows.filter((r) => r.res > 8 && r.res < fineFrom).map((r) => r.index);
  return { coarse, middle, fine };
}

/** Which preset, if any, a set of rows is exactly equal to. */
export function presetOf(wsResolutions: readonly number[], rows: readonly number[]): MixPreset | null {
  const presets = mixPresets(wsResolutions);
  const sorted = [...new Set(rows)].sort((a, b) => a - b).join(',');
  for (const name of ['coarse', 'middle', 'fine'] as const) {
    if (presets[name].length > 0 && presets[name].join(',') === sorted) return name;
  }
  return null;
}
