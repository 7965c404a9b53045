import type { ModelEntry } from '../../../app/contract/channels';
import type { Slice } from '../types';

/** Models the host offers and which one is open. */
export interface LibrarySlice {
  models: ModelEntry[];
  modelId: string | null;
  modelStatus: 'idle' | 'loading' | 'ready' | 'error';
  setModels(models: ModelEntry[]): void;
  selectModel(id: string): void;
  setModelStatus(status: LibrarySlice['modelStatus']): void;
}

export const librarySlice: Slice<LibrarySlice> = (set) => ({
  models: [],
  modelId: null,
  modelStatus: 'idle',
  setModels: (models) => set({ models }),
  selectModel: (id) =>
    set((s) => ({
      modelId: id,
      modelStatus: 'loading',
      // Row indices and kept latents mean nothing across models: keep the source seeds, forget the rest.
      latent: { ...s.latent, cutoff: null, mix: s.latent.mix.map((m) => ({ seed: m.seed, rows: [] })), edits: [] },
    })),
  setModelStatus: (modelStatus) => set({ modelStatus }),
});
