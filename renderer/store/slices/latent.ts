import { DEFAULT_STATE, MAX_MIX_SOURCES, type LatentState, type MixSource } from '../../../app/pipeline/state';
import type { Slice } from '../types';

/** Largest seed: seeds are 32-bit, like numpy's RandomState. */
export const MAX_SEED = 0xffffffff;

/** The latent controls. */
export interface LatentSlice {
  latent: LatentState;
  setSeed(seed: number): void;
  setPsi(psi: number): void;
  setCutoff(cutoff: number | null): void;
  /** Replace the whole latent state (grid cell, keyframe, dropped PNG). */
  setLatent(latent: LatentState): void;
  addMixSource(seed: number): void;
  removeMixSource(index: number): void;
  setMixSource(index: number, source: Partial<MixSource>): void;
  /** Exchange the main seed with source `index`'s seed (its rows stay). */
  swapMixSource(index: number): void;
}

export const latentSlice: Slice<LatentSlice> = (set) => ({
  // One mixing source slot is there from the start, with no rows: it changes nothing until used.
  latent: { ...DEFAULT_STATE, mix: [{ seed: 1, rows: [] }] },
  setSeed: (seed) => set((s) => ({ latent: { ...s.latent, seed: Math.trunc(seed) >>> 0 } })),
  setPsi: (psi) => set((s) => ({ latent: { ...s.latent, psi } })),
  setCutoff: (cutoff) => set((s) => ({ latent: { ...s.latent, cutoff } })),
  setLatent: (latent) => set({ latent: structuredClone(latent) }),
  addMixSource: (seed) =>
    set((s) =>
      s.latent.mix.length >= MAX_MIX_SOURCES ? {} : { latent: { ...s.latent, mix: [...s.latent.mix, { seed: seed >>> 0, rows: [] }] } },
    ),
  removeMixSource: (index) => set((s) => ({ latent: { ...s.latent, mix: s.latent.mix.filter((_, i) => i !== index) } })),
  setMixSource: (index, source) =>
    set((s) => ({
      latent: {
        ...s.latent,
        mix: s.latent.mix.map((m, i) =>
          i === index ? { seed: (source.seed ?? m.seed) >>> 0, rows: [...new Set(source.rows ?? m.rows)].sort((a, b) => a - b) } : m,
        ),
      },
    })),
  swapMixSource: (index) =>
    set((s) => {
      const source = s.latent.mix[index];
      if (!source) return {};
      const mix = s.latent.mix.map((m, i) => (i === index ? { ...m, seed: s.latent.seed } : m));
      return { latent: { ...s.latent, seed: source.seed, mix } };
    }),
});
