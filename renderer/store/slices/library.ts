import type { ModelEntry, ResponseOf } from '../../../app/contract/channels';
import { clampPsi, psiDomain } from '../../../app/model/latent-domain';
import type { Slice } from '../types';

/** What the host said of itself (`appInfo`): its kind and capabilities. */
export type HostInfo = ResponseOf<'appInfo'>;

/** The host the studio runs in, the models it offers and which one is open. */
export interface LibrarySlice {
  /** Null until the host has answered `appInfo` (the studio asks it first thing). */
  hostInfo: HostInfo | null;
  setHostInfo(info: HostInfo): void;
  models: ModelEntry[];
  modelId: string | null;
  modelStatus: 'idle' | 'loading' | 'ready' | 'error';
  setModels(models: ModelEntry[]): void;
  selectModel(id: string): void;
  setModelStatus(status: LibrarySlice['modelStatus']): void;
}

export const librarySlice: Slice<LibrarySlice> = (set) => ({
  hostInfo: null,
  setHostInfo: (hostInfo) => set({ hostInfo }),
  models: [],
  modelId: null,
  modelStatus: 'idle',
  setModels: (models) => set({ models }),
  selectModel: (id) =>
    set((s) => ({
      modelId: id,
      modelStatus: 'loading',
      // Row indices and kept latents mean nothing across models: keep the source seeds, forget the rest.
      // ψ moves into the new model's domain (a StyleGAN ψ of 1.5 means nothing to BigGAN).
      latent: { ...s.latent, psi: clampPsi(psiDomain({ family: s.models.find((m) => m.id === id)?.family ?? 'stylegan' }), s.latent.psi), cutoff: null, mix: s.latent.mix.map((m) => ({ seed: m.seed, rows: [] })), edits: [] },
    })),
  setModelStatus: (modelStatus) => set({ modelStatus }),
});
