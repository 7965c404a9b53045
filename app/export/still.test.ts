/**
 * Still exports: the PNG carries the record and the (upscaled) pixels; ws files load in numpy with
 * the shape NVIDIA's scripts expect.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../model/manifest';
import { latentState } from '../state/latent-state';
import { decodePng } from '../codecs/png';
import { readProvenance } from '../records/provenance';
import { frameFileName, seedFileName, stillPng, wsNpy, wsNpz } from './still';
import { pythonJson, pythonMissing } from '../../test-support/python';

const manifest = parseManifest(JSON.parse(readFileSync(path.resolve(__dirname, '../../models/fixtures/stylegan-tiny/manifest.json'), 'utf8')));
const numpyMissing = pythonMissing('numpy') !== '';
const tmp = mkdtempSync(path.join(tmpdir(), 'still-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A 2×2 image: red, green / blue, white.
const image = { width: 2, height: 2, data: Uint8ClampedArray.of(255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255) };
const ws = Float32Array.from({ length: 8 * 64 }, (_, i) => i / 7);
const state = latentState({ seed: 5, psi: 0.5 });

describe('still PNG', () => {
  it('is RGB at the chosen scale and carries the record', () => {
    const png = stillPng({ image, z: new Float32Array(64), ws }, { manifest, state, scale: 2, filter: 'nearest', software: 'test' });
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([4, 4, 3]);
    // Row 0: red red green green; row 3: blue blue white white.
    expect(Array.from(decoded.data.subarray(0, 12))).toEqual([255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0]);
    expect(Array.from(decoded.data.subarray(36, 48))).toEqual([0, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 255]);
    const record = readProvenance(png);
    expect(record.image).toEqual({ width: 4, height: 4, scale: 2, filter: 'nearest' });
    expect(record.state).toEqual(state);
    expect(record.ws![1]![0]).toBe(Math.fround(64 / 7));
  });

  it('names files as gen_images.py does, and frames in sortable order', () => {
    expect(seedFileName(7)).toBe('seed0007.png');
    expect(seedFileName(123456)).toBe('seed123456.png');
    expect(frameFileName(42)).toBe('frame000042.png');
  });

  it('refuses ws of the wrong size and models without W', () => {
    expect(() => wsNpy(new Float32Array(5), manifest)).toThrow(RangeError);
    expect(() => wsNpz(ws, { ...manifest, family: 'plain' })).toThrow(/no W space/);
  });
});

describe.skipIf(numpyMissing)('ws files in numpy', () => {
  it('loads .npy and .npz key w as float32 [1, num_ws, w_dim] with the values written', () => {
    writeFileSync(path.join(tmp, 'w.npy'), wsNpy(ws, manifest));
    writeFileSync(path.join(tmp, 'w.npz'), wsNpz(ws, manifest));
    const script = [
      'import numpy as np, sys, json',
      'a = np.load(sys.argv[1]); b = np.load(sys.argv[2])["w"]',
      'print(json.dumps([list(a.shape), str(a.dtype), list(b.shape), str(b.dtype), float(a[0, 1, 0]), float(b[0, 7, 63])]))',
    ].join('\n');
    const [shapeA, dtypeA, shapeB, dtypeB, a, b] = pythonJson<[number[], string, number[], string, number, number]>(script, path.join(tmp, 'w.npy'), path.join(tmp, 'w.npz'));
    expect([shapeA, dtypeA, shapeB, dtypeB]).toEqual([[1, 8, 64], 'float32', [1, 8, 64], 'float32']);
    expect(a).toBe(Math.fround(64 / 7));
    expect(b).toBe(Math.fround(511 / 7));
  });
});
