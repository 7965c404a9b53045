import { describe, expect, it } from 'vitest';
import { needsWebgpuProbe, NO_NATIVE_RUNTIME, planBackends } from './backend-choice';

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
});
