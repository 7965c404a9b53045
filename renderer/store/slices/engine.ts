import type { Backend, BackendPreference } from '../../../app/inference';
import type { Slice } from '../types';

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

function initialPreference(): BackendPreference {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  return asked === 'webgpu' || asked === 'wasm' ? asked : 'auto';
}

export const engineSlice: Slice<EngineSlice> = (set) => ({
  backend: null,
  preference: initialPreference(),
  fallbackReason: null,
  frameMs: null,
  setPreference: (preference) => set({ preference }),
  setBackend: (backend, fallbackReason) => set({ backend, fallbackReason }),
  setFrameMs: (frameMs) => set({ frameMs }),
});
