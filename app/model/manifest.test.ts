import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest } from './manifest';
import { fixtureManifestJson, refusedField } from '../../test-support/manifest';

const fixture = fixtureManifestJson();
const fieldOf = refusedField;

function withChange(change: (m: Record<string, any>) => void): unknown {
  const copy = structuredClone(fixture);
  change(copy);
  return copy;
}

describe('parseManifest', () => {
  it('accepts the fixture package and fills defaults', () => {
    const m = parseManifest(fixture);
    expect(m.family).toBe('stylegan');
    expect(m.num_ws).toBe(m.ws_resolutions.length);
    expect(m.extra_inputs).toEqual([]);
  });

  it.each([
    ['format', (m: any) => (m.format = 2)],
    ['id', (m: any) => (m.id = 'Has Spaces')],
    ['family', (m: any) => (m.family = 'vae')],
    ['z_dim', (m: any) => (m.z_dim = 0)],
    ['w_avg', (m: any) => m.w_avg.pop()],
    ['ws_resolutions', (m: any) => m.ws_resolutions.push(64)],
    ['class_names', (m: any) => (m.class_names = ['cat'])],
    ['output_range', (m: any) => (m.output_range = [1, -1])],
    ['graphs.synthesis', (m: any) => delete m.graphs.synthesis],
    ['graphs.mapping', (m: any) => (m.graphs.mapping.outputs = ['w'])],
    ['graphs.mapping.file', (m: any) => (m.graphs.mapping.file = '../evil.onnx')],
    ['files.mapping.onnx', (m: any) => delete m.files['mapping.onnx']],
    ['files.mapping.onnx.sha256', (m: any) => (m.files['mapping.onnx'].sha256 = 'abc')],
  ])('names the bad field: %s', (field, change) => {
    expect(fieldOf(withChange(change))).toBe(field);
  });

  it('says what is wrong in words', () => {
    expect(() => parseManifest(withChange((m) => m.w_avg.pop()))).toThrow(/"w_avg" has 63 values but w_dim is 64/);
    expect(() => parseManifest(null)).toThrow(ManifestError);
  });
});
