import { describe, expect, it } from 'vitest';
import { providerCandidates, sessionOptions } from './providers';

describe('providerCandidates', () => {
  it('tries the GPU providers a build lists, best first, then CPU', () => {
    const linux = [
      { name: 'cpu', bundled: true },
      { name: 'webgpu', bundled: true },
      { name: 'cuda', bundled: false },
      { name: 'tensorrt', bundled: false },
    ];
    expect(providerCandidates(linux, { providers: 'auto' })).toEqual(['cuda', 'cpu']);
    const windows = [
      { name: 'cpu', bundled: true },
      { name: 'dml', bundled: true },
      { name: 'cuda', bundled: false },
    ];
    expect(providerCandidates(windows, { providers: 'auto' })).toEqual(['cuda', 'dml', 'cpu']);
    expect(providerCandidates([{ name: 'coreml', bundled: true }], { providers: 'auto' })).toEqual(['coreml', 'cpu']);
  });

  it('uses only the CPU when asked to, or when the build lists no GPU provider', () => {
    expect(providerCandidates([{ name: 'cuda', bundled: true }], { providers: 'cpu' })).toEqual(['cpu']);
    expect(providerCandidates([{ name: 'cpu', bundled: true }], { providers: 'auto' })).toEqual(['cpu']);
  });
});

describe('sessionOptions', () => {
  it('keeps CPU behind a GPU provider and sets the thread count', () => {
    expect(sessionOptions('cuda', 3)).toMatchObject({ executionProviders: ['cuda', 'cpu'], intraOpNumThreads: 3 });
    expect(sessionOptions('cpu', 1)).toMatchObject({ executionProviders: ['cpu'], intraOpNumThreads: 1 });
  });
});
