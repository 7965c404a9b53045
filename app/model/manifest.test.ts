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

  const encoder = { file: 'encoder.onnx', inputs: ['img'], outputs: ['ws'] };
  const encoderEntry = { sha256: 'a'.repeat(64), bytes: 1000 };

  it('accepts a stylegan package with an encoder graph', () => {
    const m = parseManifest(withChange((doc) => ((doc.graphs.encoder = encoder), (doc.files['encoder.onnx'] = encoderEntry))));
    expect(m.graphs.encoder).toEqual(encoder);
  });

  it.each([
    ['graphs.encoder', 'an input named otherwise', (m: any) => (m.graphs.encoder.inputs = ['image'])],
    ['graphs.encoder', 'an output named otherwise', (m: any) => (m.graphs.encoder.outputs = ['w'])],
    ['graphs.encoder', 'an extra input', (m: any) => (m.graphs.encoder.inputs = ['img', 'c'])],
    ['files.encoder.onnx', 'no sha256 entry', (m: any) => delete m.files['encoder.onnx']],
  ])('refuses an encoder graph with %s (%s)', (field, _what, change) => {
    const doc = withChange((m) => ((m.graphs.encoder = structuredClone(encoder)), (m.files['encoder.onnx'] = encoderEntry)));
    change(doc);
    expect(fieldOf(doc)).toBe(field);
  });

  it('refuses an encoder graph outside the stylegan family', () => {
    const plain = {
      ...structuredClone(fixture),
      family: 'plain',
      w_dim: 0,
      num_ws: 0,
      w_avg: [],
      ws_resolutions: [],
      graphs: { generator: { file: 'mapping.onnx', inputs: ['z'], outputs: ['img'] }, encoder },
      files: { 'mapping.onnx': encoderEntry, 'encoder.onnx': encoderEntry },
    };
    expect(() => parseManifest(plain)).toThrow(/"graphs\.encoder" is only for family "stylegan", not "plain"/);
  });

  it('says what is wrong in words', () => {
    expect(() => parseManifest(withChange((m) => m.w_avg.pop()))).toThrow(/"w_avg" has 63 values but w_dim is 64/);
    expect(() => parseManifest(null)).toThrow(ManifestError);
  });
});
