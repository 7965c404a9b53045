/**
 * Directions: conditional editing and teaching by example on hand-made vectors, and importing
 * direction files numpy wrote (every accepted shape, dtype and order, and the rejections), then
 * exporting one back for numpy to read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NpyError, parseNpy, writeNpy } from '../codecs/npy';
import { parseNpz } from '../codecs/npz';
import {
  cosine,
  DirectionError,
  differenceOfMeans,
  directionsFromArray,
  directionsFromPca,
  MIN_EXAMPLES,
  orthogonalTo,
  unit,
} from './directions';
import { pca } from './pca';
import { RandomState } from './random';
import { python, pythonMissing } from '../../test-support/python';

const numpyMissing = pythonMissing('numpy');

const tmp = mkdtempSync(path.join(tmpdir(), 'directions-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe('orthogonalTo (conditional editing)', () => {
  it('is n1 − (n1·n2)·n2, renormalised, for one other direction', () => {
    // n1 = (1, 1, 0)/√2, n2 = (1, 0, 0): n1 − (1/√2)·n2 = (0, 1/√2, 0) → (0, 1, 0).
    const out = orthogonalTo([Math.SQRT1_2, Math.SQRT1_2, 0], [[1, 0, 0]]);
    expect(out[0]).toBeCloseTo(0, 12);
    expect(out[1]).toBeCloseTo(1, 12);
    expect(out[2]).toBeCloseTo(0, 12);
  });

  it('is orthogonal to each of several non-orthogonal others and keeps the rest of n', () => {
    const rs = new RandomState(3);
    const d = 16;
    const n = unit(rs.randn(d));
    const others = [unit(rs.randn(d)), unit(rs.randn(d)), unit(rs.randn(d))];
    const out = orthogonalTo(n, [...others, others[0]!.map((x, j) => x + others[1]![j]!)]);
    expect(Math.hypot(...out)).toBeCloseTo(1, 12);
    for (const o of others) expect(Math.abs(cosine(out, o))).toBeLessThan(1e-12);
    expect(cosine(out, n)).toBeGreaterThan(0);
  });

  it('refuses a direction inside the span of the others', () => {
    expect(() => orthogonalTo([1, 1, 0], [[1, 0, 0], [0, 1, 0]])).toThrow(DirectionError);
    expect(() => orthogonalTo([1, 1], [[1, 0, 0]])).toThrow(/3-value/);
  });
});

describe('differenceOfMeans (taught by example)', () => {
  it('recovers the attribute axis from 5 + 5 noisy samples on either side of it', () => {
    const rs = new RandomState(9);
    const d = 64;
    const axis = unit(rs.randn(d));
    const sample = (side: number) => Array.from(rs.randn(d), (x, j) => 0.3 * x + side * 3 * axis[j]!);
    const has = Array.from({ length: 5 }, () => sample(1));
    const lacks = Array.from({ length: 5 }, () => sample(-1));
    const taught = differenceOfMeans(has, lacks);
    expect(Math.hypot(...taught)).toBeCloseTo(1, 12);
    expect(cosine(taught, axis)).toBeGreaterThan(0.95);
  });

  it('is exactly the unit difference of the two means', () => {
    const has = Array.from({ length: 5 }, (_, i) => [2 + i, 1]);
    const lacks = Array.from({ length: 5 }, (_, i) => [i, 1]);
    expect(differenceOfMeans(has, lacks)).toEqual([1, 0]);
  });

  it(`needs ${MIN_EXAMPLES} samples of each kind and means that differ`, () => {
    const four = Array.from({ length: 4 }, () => [1, 0]);
    const five = Array.from({ length: 5 }, () => [1, 0]);
    expect(() => differenceOfMeans(four, five)).toThrow(/at least 5/);
    expect(() => differenceOfMeans(five, five)).toThrow(/average to the same latent/);
    expect(() => differenceOfMeans(five, [...four, [1, 0, 0]])).toThrow(/different sizes/);
  });
});

describe('directionsFromPca', () => {
  it('makes σ-unit sliders from the components, largest first', () => {
    const rs = new RandomState(1);
    const n = 4000;
    const data = Float64Array.from({ length: n * 3 }, (_, i) => (i % 3 === 1 ? 4 : 1) * rs.randn(1)[0]!);
    const directions = directionsFromPca(pca(data, n, 3, 3), 2, 'w');
    expect(directions.map((d) => [d.id, d.name, d.source])).toEqual([
      ['pca-1', 'PC1', 'pca'],
      ['pca-2', 'PC2', 'pca'],
    ]);
    expect(Math.abs(directions[0]!.vector[1]!)).toBeGreaterThan(0.99);
    expect(directions[0]!.scale).toBeCloseTo(4, 1);
    expect(directions[0]!.rows).toBeNull();
  });
});

describe('directionsFromArray', () => {
  const options = { dim: 4, space: 'w' as const, name: 'smile', idPrefix: 'import-' };

  it('takes [dim], [1, dim] and [k, dim], normalising each row', () => {
    expect(directionsFromArray({ shape: [4], data: Float32Array.of(0, 3, 0, 4) }, options)[0]!.vector).toEqual([0, 0.6, 0, 0.8]);
    const one = directionsFromArray({ shape: [1, 4], data: Float32Array.of(2, 0, 0, 0) }, options);
    expect(one.map((d) => [d.id, d.name, d.vector])).toEqual([['import-1', 'smile', [1, 0, 0, 0]]]);
    const three = directionsFromArray({ shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => (i % 5 === 0 ? 1 : 0)) }, options);
    expect(three.map((d) => d.name)).toEqual(['smile 1', 'smile 2', 'smile 3']);
    expect(three[1]!.vector).toEqual([0, 1, 0, 0]);
  });

  it('rejects other shapes and empty or zero rows, saying what it needs', () => {
    expect(() => directionsFromArray({ shape: [5], data: new Float32Array(5) }, options)).toThrow(/shaped \(5\); this model needs \(4,\), \(1, 4\) or \(k, 4\)/);
    expect(() => directionsFromArray({ shape: [2, 2, 4], data: new Float32Array(16) }, options)).toThrow(DirectionError);
    expect(() => directionsFromArray({ shape: [4, 1], data: new Float32Array(4) }, options)).toThrow(DirectionError);
    expect(() => directionsFromArray({ shape: [0, 4], data: new Float32Array(0) }, options)).toThrow(/holds no directions/);
    expect(() => directionsFromArray({ shape: [2, 4], data: Float32Array.of(1, 0, 0, 0, 0, 0, 0, 0) }, options)).toThrow(/row 1: the direction is all zeros/);
  });
});

describe.skipIf(numpyMissing !== '')('direction files written by numpy', () => {
  const dim = 64;

  /** Save `expr` (numpy, `rs` is RandomState(0)) to a file and return its bytes and numpy's unit rows. */
  function saved(expr: string, file: string, save = 'np.save(path, a)'): { bytes: Uint8Array; rows: number[][] } {
    const target = path.join(tmp, file);
    const out = python(
      `
import json, sys, numpy as np
rs = np.random.RandomState(0)
path = sys.argv[1]
a = ${expr}
${save}
m = np.asarray(a, dtype=np.float64).reshape(-1, ${dim})
print(json.dumps((m / np.linalg.norm(m, axis=1, keepdims=True)).tolist()))
`,
      target,
    );
    return { bytes: new Uint8Array(readFileSync(target)), rows: JSON.parse(out) as number[][] };
  }

  const cases: [string, string][] = [
    ['[w_dim] float32', `rs.randn(${dim}).astype(np.float32)`],
    ['[1, w_dim] float64 (an InterFaceGAN boundary)', `rs.randn(1, ${dim})`],
    ['[k, w_dim] float32 in Fortran order', `np.asfortranarray(rs.randn(5, ${dim}).astype(np.float32))`],
    ['[k, w_dim] float64 big-endian', `rs.randn(3, ${dim}).astype('>f8')`],
  ];
  for (const [label, expr] of cases) {
    it(`imports ${label}`, () => {
      const { bytes, rows } = saved(expr, `${label.replace(/\W+/g, '_')}.npy`);
      const directions = directionsFromArray(parseNpy(bytes), { dim, space: 'w', name: 'd', idPrefix: 'x-' });
      expect(directions).toHaveLength(rows.length);
      directions.forEach((d, r) => d.vector.forEach((v, j) => expect(v).toBeCloseTo(rows[r]![j]!, 6)));
    });
  }

  it('imports every member of an .npz (np.savez_compressed)', () => {
    const { bytes, rows } = saved(
      `{"age": rs.randn(1, ${dim}), "smile": rs.randn(2, ${dim}).astype(np.float32)}`,
      'set.npz',
      'np.savez_compressed(path, **a); a = np.concatenate([a["age"], a["smile"]])',
    );
    const members = [...parseNpz(bytes)];
    expect(members.map(([key]) => key)).toEqual(['age', 'smile']);
    const directions = members.flatMap(([key, array]) => directionsFromArray(array, { dim, space: 'w', name: key, idPrefix: `${key}-` }));
    expect(directions.map((d) => d.name)).toEqual(['age', 'smile 1', 'smile 2']);
    directions.forEach((d, r) => d.vector.forEach((v, j) => expect(v).toBeCloseTo(rows[r]![j]!, 6)));
  });

  it('rejects integer, wrong-shaped and pickled files with a clear error', () => {
    const options = { dim, space: 'w' as const, name: 'bad', idPrefix: 'x-' };
    const integer = saved(`np.arange(${dim}, dtype=np.int32)`, 'int.npy').bytes;
    expect(() => parseNpy(integer)).toThrow(/dtype '<i4' is not supported: save float16, float32 or float64/);
    const wide = saved(`rs.randn(2, ${dim + 1})`, 'wide.npy', 'np.save(path, a); a = a[:, :64]').bytes;
    expect(() => directionsFromArray(parseNpy(wide), options)).toThrow(/shaped \(2, 65\)/);
    const cube = saved(`rs.randn(2, 2, ${dim})`, 'cube.npy').bytes;
    expect(() => directionsFromArray(parseNpy(cube), options)).toThrow(/shaped \(2, 2, 64\)/);
    const pickled = path.join(tmp, 'pickled.npy');
    python('import sys, numpy as np; np.save(sys.argv[1], np.array([{"a": 1}], dtype=object), allow_pickle=True)', pickled);
    expect(() => parseNpy(new Uint8Array(readFileSync(pickled)))).toThrow(NpyError);
  });

  it('exports a direction as a [1, dim] .npy that numpy reads back', () => {
    const vector = unit(new RandomState(4).randn(dim));
    const file = path.join(tmp, 'export.npy');
    writeFileSync(file, writeNpy({ data: Float32Array.from(vector), shape: [1, dim] }));
    const back = JSON.parse(python('import sys, json, numpy as np; a = np.load(sys.argv[1]); print(json.dumps({"shape": a.shape, "dtype": str(a.dtype), "v": a.ravel().tolist()}))', file)) as {
      shape: number[];
      dtype: string;
      v: number[];
    };
    expect(back.shape).toEqual([1, dim]);
    expect(back.dtype).toBe('float32');
    back.v.forEach((v, j) => expect(v).toBe(Math.fround(vector[j]!)));
  });
});
