import type { Backend, BackendPreference } from '../../../app/inference/runner';
import type { Slice } from '../types';

/** Which runtime serves the model and how fast. */
export interface EngineSlice {
  backend: Backend | null;
  /** The native execution provider (cpu, cuda, …) when `backend` is native, else null. */
  provider: string | null;
  preference: BackendPreference;
  fallbackReason: string | null;
  /** Inference time of the last frame shown, ms. */
  frameMs: number | null;
  setPreference(preference: BackendPreference): void;
  setBackend(backend: Backend | null, fallbackReason: string | null, provider?: string | null): void;
  setFrameMs(ms: number): void;
}

function initialPreference(): BackendPreference {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  return asked === 'webgpu' || asked === 'wasm' || asked === 'native' ? asked : 'auto';
}

export const engineSlice: Slice<EngineSlice> = (set) => ({
  backend: null,
  provider: null,
  preference: initialPreference(),
  fallbackReason: null,
  frameMs: null,
  setPreference: (preference) => set({ preference }),
  setBackend: (backend, fallbackReason, provider = null) => set({ backend, fallbackReason, provider }),
  setFrameMs: (frameMs) => set({ frameMs }),
});
