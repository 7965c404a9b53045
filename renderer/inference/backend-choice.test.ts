import { describe, expect, it } from 'vitest';
import { effectivePreference, needsWebgpuProbe, NO_NATIVE_RUNTIME, planBackends } from './backend-choice';

const NO_ADAPTER = 'no WebGPU adapter is available';

describe('planBackends: which runtimes the worker tries, in order', () => {
  it('auto: WebGPU where it has an adapter, then native where the host offers it, WASM last', () => {
    expect(planBackends('auto', true, null)).toEqual({ order: ['webgpu', 'native', 'wasm'], reason: null });
    expect(planBackends('auto', false, null)).toEqual({ order: ['webgpu', 'wasm'], reason: null });
  });

  it('auto without a WebGPU adapter: native in the desktop app, WASM in the browser host, saying why', () => {
    expect(planBackends('auto', true, NO_ADAPTER)).toEqual({ order: ['native', 'wasm'], reason: NO_ADAPTER });
    expect(planBackends('auto', false, NO_ADAPTER)).toEqual({ order: ['wasm'], reason: NO_ADAPTER });
  });

  it('native when asked and offered; WASM with the reason where the host has none', () => {
    expect(planBackends('native', true, null)).toEqual({ order: ['native', 'wasm'], reason: null });
    expect(planBackends('native', false, null)).toEqual({ order: ['wasm'], reason: NO_NATIVE_RUNTIME });
  });

  it('webgpu and wasm preferences never pick native', () => {
    expect(planBackends('webgpu', true, null)).toEqual({ order: ['webgpu', 'wasm'], reason: null });
    expect(planBackends('webgpu', true, NO_ADAPTER)).toEqual({ order: ['wasm'], reason: NO_ADAPTER });
    expect(planBackends('wasm', true, null)).toEqual({ order: ['wasm'], reason: null });
  });

  it('asks for an adapter only where WebGPU may be chosen', () => {
    expect(['auto', 'webgpu', 'wasm', 'native'].filter((p) => needsWebgpuProbe(p as 'auto'))).toEqual(['auto', 'webgpu']);
  });

  it('falls back to WASM after a loss until the user asks again, and only for the runtime lost', () => {
    const none = { gpu: null, native: null };
    const gpu = { gpu: 'the GPU device was lost', native: null };
    const native = { gpu: null, native: 'the native inference process ended' };
    expect(['auto', 'webgpu', 'wasm', 'native'].map((p) => effectivePreference(p as 'auto', none))).toEqual(['auto', 'webgpu', 'wasm', 'native']);
    expect(['auto', 'webgpu', 'wasm', 'native'].map((p) => effectivePreference(p as 'auto', gpu))).toEqual(['wasm', 'wasm', 'wasm', 'native']);
    expect(['auto', 'webgpu', 'wasm', 'native'].map((p) => effectivePreference(p as 'auto', native))).toEqual(['auto', 'webgpu', 'wasm', 'wasm']);
  });
});
