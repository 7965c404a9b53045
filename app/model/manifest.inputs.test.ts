import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest';
import { fixtureManifestJson, refusedField } from '../../test-support/manifest';

// The optional synthesis inputs export_stylegan.py declares: noise_inputs (--noise-inputs) and
// transform_input (--transform-input), on top of the fixture package.
const fixture = fixtureManifestJson();
const SHA = 'a'.repeat(64);

function withInputs(change: (m: Record<string, any>) => void = () => {}): Record<string, any> {
  const m = structuredClone(fixture);
  m.graphs.synthesis.inputs = ['ws', 'noise_b4.conv1', 'noise_b8.conv0', 'transform'];
  m.files['noise_const.npz'] = { sha256: SHA, bytes: 100 };
  m.side_files.noise_const = 'noise_const.npz';
  m.noise_inputs = [
    { name: 'noise_b4.conv1', resolution: 4, const_file: 'noise_const.npz' },
    { name: 'noise_b8.conv0', resolution: 8 },
  ];
  m.transform_input = { name: 'transform', default: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
  change(m);
  return m;
}

const fieldOf = refusedField;

describe('parseManifest: noise and transform inputs', () => {
  it('leaves packages without them as they were', () => {
    const m = parseManifest(fixture);
    expect(m.noise_inputs).toBeUndefined();
    expect(m.transform_input).toBeUndefined();
  });

  it('accepts declared noise inputs and a transform input', () => {
    const m = parseManifest(withInputs());
    expect(m.noise_inputs?.map((n) => [n.name, n.resolution, n.const_file])).toEqual([
      ['noise_b4.conv1', 4, 'noise_const.npz'],
      ['noise_b8.conv0', 8, undefined],
    ]);
    expect(m.transform_input?.default[1]).toEqual([0, 1, 0]);
  });

  it.each([
    ['noise_inputs.1.name', (m: any) => (m.noise_inputs[1].name = 'noise_b16.conv0')],
    ['noise_inputs.1.name', (m: any) => (m.noise_inputs[1].name = 'noise_b4.conv1')],
    ['noise_inputs.0.const_file', (m: any) => delete m.files['noise_const.npz'] && delete m.side_files.noise_const],
    ['noise_inputs.0.const_file', (m: any) => (m.noise_inputs[0].const_file = '../noise.npz')],
    ['noise_inputs.0.resolution', (m: any) => (m.noise_inputs[0].resolution = 0)],
    ['transform_input.name', (m: any) => (m.transform_input.name = 'input_transform')],
    ['transform_input.default', (m: any) => m.transform_input.default.pop()],
    ['transform_input.default.2', (m: any) => m.transform_input.default[2].push(0)],
  ])('names %s when it is wrong', (field, change) => {
    expect(fieldOf(withInputs(change))).toBe(field);
  });
});
