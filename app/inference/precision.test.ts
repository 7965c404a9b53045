import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest, type Manifest } from '../model/manifest';
import { checkPackageGraphs, fp16GraphKey, readOnnxInfo } from '../model/onnx';
import { convertToFloat16 } from '../model/fp16';
import { choosePrecision, precisionPreference, withPrecision } from './precision';
import { fixtureManifestJson } from '../../test-support/manifest';

const DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
const SHA = 'a'.repeat(64);
const ERROR = { max_abs: 0.003, mean_abs: 0.0004, max_levels: 1, mean_levels: 0.04, seeds: [0, 1], runtime: 'onnxruntime-node cpu' };

/** The fixture's manifest with a float16 twin declared for synthesis. */
function twinned(change: (m: Record<string, any>) => void = () => undefined): unknown {
  const m = structuredClone(fixtureManifestJson()) as Record<string, any>;
  m.graphs.synthesis.fp16 = { file: 'synthesis.fp16.onnx', error: ERROR };
  m.files['synthesis.fp16.onnx'] = { sha256: SHA, bytes: 1 };
  change(m);
  return m;
}

describe('the fp16 entry of a graph', () => {
  it('is accepted with its file listed, and refused without it or pointing at the float32 file', () => {
    expect(parseManifest(twinned()).graphs.synthesis!.fp16).toEqual({ file: 'synthesis.fp16.onnx', error: ERROR });
    expect(() => parseManifest(twinned((m) => delete m.files['synthesis.fp16.onnx']))).toThrow('manifest.json: "files.synthesis.fp16.onnx" is missing: every graph file needs a sha256 entry');
    expect(() => parseManifest(twinned((m) => (m.graphs.synthesis.fp16.file = 'synthesis.onnx')))).toThrow(/"graphs\.synthesis\.fp16\.file" must differ/);
    expect(() => parseManifest(twinned((m) => (m.graphs.synthesis.fp16.error.max_abs = -1)))).toThrow(/graphs\.synthesis\.fp16\.error\.max_abs/);
  });
});

describe('choosePrecision', () => {
  const manifest = parseManifest(twinned());
  const plain = parseManifest(fixtureManifestJson());
  it('takes fp16 only on WebGPU with shader-f16, a twin to load, and no fp32 preference', () => {
    expect(choosePrecision(manifest, { backend: 'webgpu', shaderF16: true, preference: 'auto' })).toBe('fp16');
    expect(choosePrecision(manifest, { backend: 'webgpu', shaderF16: false, preference: 'auto' })).toBe('fp32');
    expect(choosePrecision(manifest, { backend: 'webgpu', shaderF16: true, preference: 'fp32' })).toBe('fp32');
    expect(choosePrecision(manifest, { backend: 'wasm', shaderF16: true, preference: 'auto' })).toBe('fp32');
    expect(choosePrecision(manifest, { backend: 'native', shaderF16: true, preference: 'auto' })).toBe('fp32');
    expect(choosePrecision(plain, { backend: 'webgpu', shaderF16: true, preference: 'auto' })).toBe('fp32');
  });

  it('takes fp16 on WebGPU when asked, whatever the adapter lists, but never on WASM or native', () => {
    expect(choosePrecision(manifest, { backend: 'webgpu', shaderF16: false, preference: 'fp16' })).toBe('fp16');
    expect(choosePrecision(manifest, { backend: 'wasm', shaderF16: true, preference: 'fp16' })).toBe('fp32');
    expect(choosePrecision(manifest, { backend: 'native', shaderF16: false, preference: 'fp16' })).toBe('fp32');
    expect(choosePrecision(plain, { backend: 'webgpu', shaderF16: false, preference: 'fp16' })).toBe('fp32');
  });

  it('takes the ?precision= value fp32 or fp16 as asked; anything else, or none, is auto', () => {
    expect(precisionPreference('fp32')).toBe('fp32');
    expect(precisionPreference('fp16')).toBe('fp16');
    expect(precisionPreference('half')).toBe('auto');
    expect(precisionPreference(null)).toBe('auto');
    expect(precisionPreference('')).toBe('auto');
  });

  it('swaps in the twin files for fp16 and leaves the manifest alone for fp32', () => {
    expect(withPrecision(manifest, 'fp32')).toBe(manifest);
    const half = withPrecision(manifest, 'fp16');
    expect(half.graphs.synthesis).toEqual({ file: 'synthesis.fp16.onnx', inputs: ['ws'], outputs: ['img'] });
    expect(half.graphs.mapping).toBe(manifest.graphs.mapping);
  });
});

describe('checkPackageGraphs with a float16 twin', () => {
  const manifest: Manifest = parseManifest(twinned());
  const read = (file: string) => new Uint8Array(readFileSync(path.join(DIR, file)));
  const mapping = readOnnxInfo(read('mapping.onnx'));
  const synthesis = readOnnxInfo(read('synthesis.onnx'));
  const twin = readOnnxInfo(convertToFloat16(read('synthesis.onnx'), 'synthesis.onnx').bytes);

  it("accepts the pass's twin, checked against the manifest and its float32 graph", () => {
    expect(checkPackageGraphs(manifest, { mapping, synthesis, [fp16GraphKey('synthesis')]: twin })).toEqual([]);
    expect(checkPackageGraphs(withPrecision(manifest, 'fp16'), { mapping, synthesis: twin })).toEqual([]);
  });

  it('refuses a twin whose inputs or outputs differ from the float32 graph', () => {
    const halfOut = { ...twin, outputs: twin.outputs.map((v) => ({ ...v, elemType: 'float16' })) };
    const problems = checkPackageGraphs(manifest, { mapping, synthesis, [fp16GraphKey('synthesis')]: halfOut });
    expect(problems[0]).toMatch(/^the float16 twin of graph "synthesis" \(synthesis\.fp16\.onnx\) output "img" is float16/);
    expect(problems.at(-1)).toMatch(/declares outputs "img" float16 .*, but synthesis\.onnx declares "img" float32 .*; convert the twin again/);
  });
});
