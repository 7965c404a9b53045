/**
 * The studio's one zustand store, built from typed slices. Components select narrowly; per-frame
 * values (the frame time) are read through `subscribe` into refs rather than React state.
 */
import { createStore, type StateCreator } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ModelEntry } from '../../app/contract';
import type { Backend, BackendPreference } from '../../app/inference';
import { DEFAULT_STATE, MAX_MIX_SOURCES, type LatentState, type MixSource } from '../../app/pipeline/state';

/** Models the host offers and which one is open. */
export interface LibrarySlice {
  models: ModelEntry[];
  modelId: string | null;
  modelStatus: 'idle' | 'loading' | 'ready' | 'error';
  setModels(models: ModelEntry[]): void;
  selectModel(id: string): void;
  setModelStatus(status: LibrarySlice['modelStatus']): void;
}

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

/** Which runtime serves the model and how fast. */
export interface EngineSlice {
  backend: Backend | null;
  preference: BackendPreference;
  fallbackReason: string | null;
  /** Inference time of the last frame shown, ms. */
  frameMs: number | null;
  setPreference(preference: BackendPreference): void;
  setBackend(backend: Backend | null, fallbackReason: string | null): void;
  setFrameMs(ms: number): void;
}

/** Which views are open. */
export interface ViewSlice {
  mixGridOpen: boolean;
  openMixGrid(): void;
  closeMixGrid(): void;
}

/** The one place errors are shown (role="alert"). */
export interface ErrorSlice {
  error: string | null;
  showError(message: string): void;
  clearError(): void;
}

/** The whole studio state. */
export type StudioState = LibrarySlice & LatentSlice & EngineSlice & ViewSlice & ErrorSlice;

type Slice<T> = StateCreator<StudioState, [], [], T>;

/** Largest seed: seeds are 32-bit, like numpy's RandomState. */
export const MAX_SEED = 0xffffffff;

const librarySlice: Slice<LibrarySlice> = (set) => ({
  models: [],
  modelId: null,
  modelStatus: 'idle',
  setModels: (models) => set({ models }),
  selectModel: (id) =>
    set((s) => ({
      modelId: id,
      modelStatus: 'loading',
      // Row indices mean nothing across models: keep the sources, forget their rows.
      latent: { ...s.latent, cutoff: null, mix: s.latent.mix.map((m) => ({ ...m, rows: [] })) },
    })),
  setModelStatus: (modelStatus) => set({ modelStatus }),
});

const latentSlice: Slice<LatentSlice> = (set) => ({
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

function initialPreference(): BackendPreference {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  return asked === 'webgpu' || asked === 'wasm' ? asked : 'auto';
}

const engineSlice: Slice<EngineSlice> = (set) => ({
  backend: null,
  preference: initialPreference(),
  fallbackReason: null,
  frameMs: null,
  setPreference: (preference) => set({ preference }),
  setBackend: (backend, fallbackReason) => set({ backend, fallbackReason }),
  setFrameMs: (frameMs) => set({ frameMs }),
});

const viewSlice: Slice<ViewSlice> = (set) => ({
  mixGridOpen: false,
  openMixGrid: () => set({ mixGridOpen: true }),
  closeMixGrid: () => set({ mixGridOpen: false }),
});

const errorSlice: Slice<ErrorSlice> = (set) => ({
  error: null,
  showError: (error) => set({ error }),
  clearError: () => set({ error: null }),
});

/** Create a studio store (one per window; tests create their own). */
export function createStudioStore() {
  return createStore<StudioState>()((...a) => ({
    ...librarySlice(...a),
    ...latentSlice(...a),
    ...engineSlice(...a),
    ...viewSlice(...a),
    ...errorSlice(...a),
  }));
}

/** The window's store. */
export const studioStore = createStudioStore();

/** React hook: select a narrow part of the studio state. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(studioStore, selector);
}
