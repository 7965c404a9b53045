import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { providerCandidates, sessionOptions } from './providers';

const MAPPING = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models/fixtures/stylegan-tiny/mapping.onnx');

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

  it("turns onnxruntime's thread spinning off unless asked for it", () => {
    const off = { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } };
    expect(sessionOptions('cpu', 2)).toMatchObject(off);
    expect(sessionOptions('cuda', 2, { spinning: false })).toMatchObject(off);
    expect(sessionOptions('cpu', 2, { spinning: true })).not.toHaveProperty('extra');
  });

  it('gives options onnxruntime-node accepts and runs with, spinning or not', async () => {
    for (const spinning of [false, true]) {
      const session = await ortNode.InferenceSession.create(MAPPING, sessionOptions('cpu', 2, { spinning }));
      const z = new ortNode.Tensor('float32', new Float32Array(64).fill(0.5), [1, 64]);
      const { ws } = await session.run({ z });
      expect(ws!.dims[0]).toBe(1);
      expect([...(ws!.data as Float32Array)].every(Number.isFinite)).toBe(true);
      await session.release();
    }
  });
});
