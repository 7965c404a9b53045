/**
 * SeFa: a hand-worked case, and the fixture's style-affine weights against genforce/sefa's closed
 * form computed by numpy (concatenate weight.T, normalise columns, eigh of A·Aᵀ), run by the test.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpz } from '../codecs/npz';
import { parseManifest } from '../model/manifest';
import { affineWeights, layerGroup, sefa, SefaError, styleAffineLayers } from './sefa';
import { pythonJson, pythonMissing } from '../../test-support/python';

const DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
const manifest = parseManifest(JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')));
const npz = parseNpz(new Uint8Array(readFileSync(path.join(DIR, 'style_affine.npz'))));

const numpyMissing = pythonMissing('numpy');

/** genforce/sefa utils.factorize_weight on the fixture's layers, sorted by eigenvalue (eigh: A·Aᵀ is symmetric). */
function reference(layers: string[]): { values: number[]; vectors: number[][] } {
  const script = `
import json, sys, numpy as np
data = np.load(sys.argv[1])
weight = np.concatenate([data[name].T for name in sys.argv[2].split(',')], axis=1).astype(np.float64)
weight = weight / np.linalg.norm(weight, axis=0, keepdims=True)
values, vectors = np.linalg.eigh(weight.dot(weight.T))
order = np.argsort(values)[::-1]
print(json.dumps({"values": values[order].tolist(), "vectors": vectors[:, order].T.tolist()}))
`;
  return pythonJson(script, path.join(DIR, 'style_affine.npz'), layers.join(','));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, offset = 0): number {
  let s = 0;
  for (let j = 0; j < b.length; j++) s += a[offset + j]! * b[j]!;
  return s;
}

describe('sefa', () => {
  it('factorises a hand-worked case: rows (3,0), (0,2), (1,1) → eigenvalues 2 and 1 along (1,1) and (1,−1)', () => {
    // Normalised rows (1,0), (0,1), (1,1)/√2 sum to A·Aᵀ = [[1.5, 0.5], [0.5, 1.5]].
    const f = sefa([{ name: 'l', data: [3, 0, 0, 2, 1, 1], rows: 3, cols: 2 }], 2);
    expect(f.values[0]).toBeCloseTo(2, 12);
    expect(f.values[1]).toBeCloseTo(1, 12);
    expect(f.vectors[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(f.vectors[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Math.abs(f.vectors[2]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(f.vectors[2]! * f.vectors[3]!).toBeLessThan(0);
  });

  it('gives every row the same weight whatever its length, and skips rows of zeros', () => {
    const scaled = sefa([{ name: 'l', data: [30, 0, 0, 0.2, 0, 0, 1, 1], rows: 4, cols: 2 }], 2);
    expect(scaled.values[0]).toBeCloseTo(2, 12);
    expect(scaled.values[1]).toBeCloseTo(1, 12);
  });

  it('refuses weights that do not fit the latent', () => {
    expect(() => sefa([], 2)).toThrow(SefaError);
    expect(() => sefa([{ name: 'l', data: [1, 2, 3], rows: 1, cols: 3 }], 2)).toThrow(/3 columns/);
    expect(() => sefa([{ name: 'l', data: [1, NaN], rows: 1, cols: 2 }], 2)).toThrow(/NaN/);
    expect(() => affineWeights(npz, ['b4.conv1'], 32)).toThrow(/expected \(channels, 32\)/);
    expect(() => affineWeights(npz, ['b9.nothing'], 64)).toThrow(/no weights for layer b9\.nothing/);
  });
});

describe('style-affine layers of the fixture', () => {
  it('lists the manifest layers and groups them by the rows presets', () => {
    const layers = styleAffineLayers(manifest);
    expect(layers.map((l) => l.name)).toEqual([
      'b4.conv1', 'b4.torgb', 'b8.conv0', 'b8.conv1', 'b8.torgb', 'b16.conv0',
      'b16.conv1', 'b16.torgb', 'b32.conv0', 'b32.conv1', 'b32.torgb',
    ]);
    expect(layerGroup(layers, manifest.ws_resolutions, 'all')).toEqual({ layers, rows: null });
    // 32-px fixture: coarse = rows 0–3 (4–8 px), middle = 4–5 (16 px), fine = 6–7 (32 px, its top).
    const coarse = layerGroup(layers, manifest.ws_resolutions, 'coarse');
    expect(coarse.layers.map((l) => l.name)).toEqual(['b4.conv1', 'b4.torgb', 'b8.conv0', 'b8.conv1', 'b8.torgb', 'b16.conv0']);
    expect(coarse.rows).toEqual([0, 3]);
    expect(layerGroup(layers, manifest.ws_resolutions, 'middle').rows).toEqual([4, 5]);
    expect(layerGroup(layers, manifest.ws_resolutions, 'fine').layers.map((l) => l.name)).toEqual(['b32.conv1', 'b32.torgb']);
  });

  it('rejects a malformed layer list', () => {
    const bad = { ...manifest, generator: { style_affine_layers: [{ name: 'x', ws_index: 99, channels: 4 }] } };
    expect(() => styleAffineLayers(bad)).toThrow(/beyond num_ws/);
    expect(styleAffineLayers({ ...manifest, generator: {} })).toEqual([]);
  });
});

describe.skipIf(numpyMissing !== '')('sefa against numpy on the fixture weights', () => {
  for (const group of ['all', 'coarse', 'fine'] as const) {
    it(`matches genforce's closed form for ${group} layers`, () => {
      const { layers } = layerGroup(styleAffineLayers(manifest), manifest.ws_resolutions, group);
      const names = layers.map((l) => l.name);
      const f = sefa(affineWeights(npz, names, manifest.w_dim), manifest.w_dim);
      const ref = reference(names);
      expect(f.layers).toEqual(names);
      const d = manifest.w_dim;
      for (let k = 0; k < d; k++) expect(f.values[k]).toBeCloseTo(ref.values[k]!, 4);
      // Directions are defined up to sign; compare those whose eigenvalue is well apart from its neighbours.
      let compared = 0;
      for (let k = 0; k < 20; k++) {
        const gap = Math.min(k > 0 ? ref.values[k - 1]! - ref.values[k]! : Infinity, ref.values[k]! - ref.values[k + 1]!);
        if (gap < 1e-3 * ref.values[0]!) continue;
        expect(Math.abs(dot(f.vectors, ref.vectors[k]!, k * d))).toBeGreaterThan(0.9999);
        compared += 1;
      }
      expect(compared).toBeGreaterThanOrEqual(5);
    });
  }
});
