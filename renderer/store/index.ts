/**
 * The studio's one zustand store, built from typed slices. Components select narrowly; per-frame
 * values (the frame time) are read through `subscribe` into refs rather than React state.
 */
import { createStore, type StateCreator } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ModelEntry } from '../../app/contract';
import type { Backend, BackendPreference } from '../../app/inference';
import { DEFAULT_STATE, type LatentState } from '../../app/pipeline/state';

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

/** The one place errors are shown (role="alert"). */
export interface ErrorSlice {
  error: string | null;
  showError(message: string): void;
  clearError(): void;
}

/** The whole studio state. */
export type StudioState = LibrarySlice & LatentSlice & EngineSlice & ErrorSlice;

type Slice<T> = StateCreator<StudioState, [], [], T>;

/** Largest seed: seeds are 32-bit, like numpy's RandomState. */
export const MAX_SEED = 0xffffffff;

const librarySlice: Slice<LibrarySlice> = (set) => ({
  models: [],
  modelId: null,
  modelStatus: 'idle',
  setModels: (models) => set({ models }),
  selectModel: (id) => set({ modelId: id, modelStatus: 'loading' }),
  setModelStatus: (modelStatus) => set({ modelStatus }),
});

const latentSlice: Slice<LatentSlice> = (set) => ({
  latent: { ...DEFAULT_STATE },
  setSeed: (seed) => set((s) => ({ latent: { ...s.latent, seed: Math.trunc(seed) >>> 0 } })),
  setPsi: (psi) => set((s) => ({ latent: { ...s.latent, psi } })),
  setCutoff: (cutoff) => set((s) => ({ latent: { ...s.latent, cutoff } })),
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
    ...errorSlice(...a),
  }));
}

/** The window's store. */
export const studioStore = createStudioStore();

/** React hook: select a narrow part of the studio state. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(studioStore, selector);
}
