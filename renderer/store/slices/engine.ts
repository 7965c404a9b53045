import type { Backend, BackendPreference } from '../../../app/inference/runner';
import type { Slice } from '../types';
import type { Precision } from '../../../app/inference/precision';

/** Which runtime serves the model and how fast. */
export interface EngineSlice {
  backend: Backend | null;
  /** The native execution provider (cpu, cuda, …) when `backend` is native, else null. */
  provider: string | null;
  /** fp16 when the model runs its float16 twins (WebGPU with shader-f16), else fp32. */
  precision: Precision;
  preference: BackendPreference;
  fallbackReason: string | null;
  /** Inference time of the last frame shown, ms. */
  frameMs: number | null;
  setPreference(preference: BackendPreference): void;
  setBackend(backend: Backend | null, fallbackReason: string | null, provider?: string | null, precision?: Precision): void;
  setFrameMs(ms: number): void;
}

function initialPreference(): BackendPreference {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  return asked === 'webgpu' || asked === 'wasm' || asked === 'native' ? asked : 'auto';
}

export const engineSlice: Slice<EngineSlice> = (set) => ({
  backend: null,
  provider: null,
  precision: 'fp32',
  preference: initialPreference(),
  fallbackReason: null,
  frameMs: null,
  setPreference: (preference) => set({ preference }),
  setBackend: (backend, fallbackReason, provider = null, precision = 'fp32') => set({ backend, fallbackReason, provider, precision }),
  setFrameMs: (frameMs) => set({ frameMs }),
});
