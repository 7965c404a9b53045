import { DEFAULT_STATE, DEFAULT_TRANSFORM, MAX_MIX_SOURCES, type ExplicitLatent, type InputTransform, type KeptLatent, type LatentState, type MixSource, type NoiseSettings } from '../../../app/state/latent-state';
import { clampPsi, psiDomain } from '../../../app/model/latent-domain';
import type { Slice } from '../types';

/** `source` with `kept` set, or without the key at all when there is none (older records have none). */
function withKept(source: MixSource, kept: KeptLatent | undefined): MixSource {
  return kept ? { ...source, kept } : source;
}

/** `latent` without an explicit main latent: the key goes, so the state reads as seed → z everywhere. */
function withoutExplicit(latent: LatentState): LatentState {
  if (!latent.explicit) return latent;
  const { explicit: _dropped, ...rest } = latent;
  return rest;
}

/** Largest seed: seeds are 32-bit, like numpy's RandomState. */
export const MAX_SEED = 0xffffffff;

/** The latent controls. */
export interface LatentSlice {
  latent: LatentState;
  /** Pick a seed: the main latent is seed → z again (an explicit latent goes). */
  setSeed(seed: number): void;
  /**
   * Make the main latent explicit numbers (an inversion, a projected_w.npz), or go back to the seed
   * with undefined. The caller checks the shape against the open model (app/state/explicit-latent.ts).
   */
  setExplicit(explicit: ExplicitLatent | undefined): void;
  setPsi(psi: number): void;
  setCutoff(cutoff: number | null): void;
  /** Change the noise fed to a model's noise inputs (mode, seed, strength). */
  setNoise(noise: Partial<NoiseSettings>): void;
  /** Change StyleGAN3's input transform (x, y, angle); `resetTransform` puts it back to none. */
  setTransform(transform: Partial<InputTransform>): void;
  resetTransform(): void;
  /** Replace the whole latent state (grid cell, keyframe, dropped PNG). */
  setLatent(latent: LatentState): void;
  addMixSource(seed: number): void;
  removeMixSource(index: number): void;
  /** Change source `index`; `kept: undefined` makes a kept-latent source a seed source again. */
  setMixSource(index: number, source: Partial<MixSource>): void;
  /**
   * Exchange the main latent with source `index` (its rows stay): seeds for a seed source; for a
   * kept latent, the main latent becomes the kept state (the panel's sources stay) and the source
   * keeps the previous main latent.
   */
  swapMixSource(index: number): void;
}

export const latentSlice: Slice<LatentSlice> = (set) => ({
  // One mixing source slot is there from the start, with no rows: it changes nothing until used.
  latent: { ...DEFAULT_STATE, mix: [{ seed: 1, rows: [] }] },
  setSeed: (seed) => set((s) => ({ latent: { ...withoutExplicit(s.latent), seed: Math.trunc(seed) >>> 0 } })),
  setExplicit: (explicit) => set((s) => ({ latent: explicit ? { ...s.latent, explicit: structuredClone(explicit) } : withoutExplicit(s.latent) })),
  // ψ stays in the open model's domain whatever asks for it (app/model/latent-domain.ts).
  setPsi: (psi) => set((s) => ({ latent: { ...s.latent, psi: clampPsi(psiDomain({ family: s.models.find((m) => m.id === s.modelId)?.family ?? 'stylegan' }), psi) } })),
  setCutoff: (cutoff) => set((s) => ({ latent: { ...s.latent, cutoff } })),
  setNoise: (noise) => set((s) => ({ latent: { ...s.latent, noise: { ...s.latent.noise, ...noise, seed: Math.trunc(noise.seed ?? s.latent.noise.seed) >>> 0 } } })),
  setTransform: (transform) => set((s) => ({ latent: { ...s.latent, transform: { ...s.latent.transform, ...transform } } })),
  resetTransform: () => set((s) => ({ latent: { ...s.latent, transform: { ...DEFAULT_TRANSFORM } } })),
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
          i === index ? withKept({ seed: (source.seed ?? m.seed) >>> 0, rows: [...new Set(source.rows ?? m.rows)].sort((a, b) => a - b) }, 'kept' in source ? source.kept : m.kept) : m,
        ),
      },
    })),
  swapMixSource: (index) =>
    set((s) => {
      const source = s.latent.mix[index];
      if (!source) return {};
      if (source.kept) {
        // The main latent's own sources stay with the panel; the kept copy of it needs none of them.
        const previous: KeptLatent = { label: 'Previous main latent', state: { ...structuredClone(s.latent), mix: [] } };
        const mix = s.latent.mix.map((m, i) => (i === index ? { seed: s.latent.seed, rows: m.rows, kept: previous } : m));
        return { latent: { ...structuredClone(source.kept.state), mix } };
      }
      const mix = s.latent.mix.map((m, i) => (i === index ? { ...m, seed: s.latent.seed } : m));
      return { latent: { ...s.latent, seed: source.seed, mix } };
    }),
});
