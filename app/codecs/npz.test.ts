import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { NpyError, writeNpy, type FloatArray } from './npy';
import { parseNpz, writeNpz } from './npz';
import { python, pythonMissing } from '../../test-support/python';

const FIXTURE = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny/style_affine.npz');

const numpyMissing = pythonMissing('numpy');

const tmp = mkdtempSync(path.join(tmpdir(), 'npz-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const arrays: Record<string, FloatArray> = {
  w: { shape: [1, 8], data: Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.5) },
  directions: { shape: [3, 2, 4], data: Float32Array.from({ length: 24 }, (_, i) => Math.fround(Math.cos(i))) },
  sigma: { shape: [], data: Float32Array.of(2.5) },
};

function onlyNpyError(bytes: Uint8Array): void {
  try {
    parseNpz(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(NpyError);
  }
}

describe('writeNpz / parseNpz', () => {
  it.each([false, true])('round-trips arrays under their keys (compress: %s)', (compress) => {
    const parsed = parseNpz(writeNpz(arrays, { compress }));
    expect([...parsed.keys()]).toEqual(Object.keys(arrays));
    for (const [key, array] of Object.entries(arrays)) expect(parsed.get(key)).toEqual({ ...array, dtype: '<f4' });
  });

  it('writes the same bytes for the same arrays', () => {
    expect(writeNpz(arrays)).toEqual(writeNpz(arrays));
  });

  it('skips members that are not .npy files and reads an empty archive as empty', () => {
    const zip = zipSync({ 'w.npy': writeNpy(arrays.w!), 'README.txt': strToU8('hello'), 'sub/': new Uint8Array(0) });
    expect([...parseNpz(zip).keys()]).toEqual(['w']);
    expect(parseNpz(zipSync({})).size).toBe(0);
  });

  it('names the member that fails to parse', () => {
    const zip = zipSync({ 'good.npy': writeNpy(arrays.w!), 'bad.npy': strToU8('not numpy') });
    expect(() => parseNpz(zip)).toThrow(/bad\.npy in the \.npz archive: not a \.npy file/);
  });

  it('refuses an empty key and non-archives', () => {
    expect(() => writeNpz({ '': arrays.w! })).toThrow(NpyError);
    expect(() => parseNpz(strToU8('definitely not a zip file, just some text'))).toThrow(/not a readable \.npz archive/);
    expect(() => parseNpz(new Uint8Array(0))).toThrow(NpyError);
  });

  it('refuses a member claiming an impossible size before allocating it', () => {
    const zip = writeNpz({ w: arrays.w! }, { compress: true });
    // The central directory entry's uncompressed size sits 24 bytes into its record (PK\x01\x02).
    const central = zip.findLastIndex((_, i) => zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2);
    new DataView(zip.buffer).setUint32(central + 24, 0xfffffff0, true);
    expect(() => parseNpz(zip)).toThrow(/sizes are impossible/);
  });

  it('reads the fixture package style-affine weights', () => {
    const weights = parseNpz(readFileSync(FIXTURE));
    expect(weights.size).toBeGreaterThan(0);
    for (const array of weights.values()) expect(array.data.length).toBe(array.shape.reduce((a, b) => a * b, 1));
  });
});

describe('parseNpz on malformed input throws NpyError only', () => {
  const stored = writeNpz(arrays);
  const deflated = writeNpz(arrays, { compress: true });

  it('on arbitrary bytes, with or without a zip signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, signed) => {
        onlyNpyError(signed ? Uint8Array.of(0x50, 0x4b, 0x03, 0x04, ...bytes, 0x50, 0x4b, 0x05, 0x06, ...bytes.subarray(0, 18)) : bytes);
      }),
    );
  });

  it.each([
    ['stored', stored],
    ['deflated', deflated],
  ])('on truncated and bit-flipped %s archives', (_, zip) => {
    fc.assert(fc.property(fc.nat(zip.length - 1), (n) => onlyNpyError(zip.subarray(0, n))));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(zip.length - 1), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = zip.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        onlyNpyError(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('on archives whose directory claims far more entries than it holds', () => {
    fc.assert(
      fc.property(fc.constantFrom(stored, deflated), fc.integer({ min: 4, max: 0xffff }), (zip, count) => {
        const bytes = zip.slice();
        const eocd = new DataView(bytes.buffer, bytes.length - 22);
        eocd.setUint16(8, count, true);
        eocd.setUint16(10, count, true);
        onlyNpyError(bytes);
      }),
    );
  });

  it('on a zip64 directory claiming billions of entries, without walking them all', () => {
    // Insert a zip64 end-of-directory record and its locator before the plain end record.
    const at = stored.length - 22;
    const zip64 = new DataView(new ArrayBuffer(56 + 20));
    zip64.setUint32(0, 0x06064b50, true);
    zip64.setBigUint64(4, 44n, true);
    zip64.setBigUint64(24, 0xfffffff0n, true);
    zip64.setBigUint64(32, 0xfffffff0n, true);
    zip64.setBigUint64(48, BigInt(new DataView(stored.buffer).getUint32(at + 16, true)), true);
    zip64.setUint32(56, 0x07064b50, true);
    zip64.setBigUint64(64, BigInt(at), true);
    const bytes = Uint8Array.of(...stored.subarray(0, at), ...new Uint8Array(zip64.buffer), ...stored.subarray(at));
    const started = performance.now();
    expect(() => parseNpz(bytes)).toThrow(/zip directory is damaged/);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe.skipIf(numpyMissing !== '')('against numpy', () => {
  it.each(['savez', 'savez_compressed'])('reads what np.%s writes, every dtype and order', (saver) => {
    const file = path.join(tmp, `${saver}.npz`);
    const expected = JSON.parse(
      python(
        String.raw`
import sys, json, numpy as np
rng = np.random.default_rng(3)
arrays = {}
for dtype in ['<f2', '>f2', '<f4', '>f4', '<f8', '>f8']:
    for order in 'CF':
        arrays[f"a_{dtype[0] == '<' and 'le' or 'be'}{dtype[1:]}_{order}"] = np.asarray(rng.standard_normal((2, 3, 4)), dtype=dtype, order=order)
arrays['vector'] = np.arange(5, dtype=np.float32)
arrays['scalar'] = np.float64(0.25)
getattr(np, sys.argv[2])(sys.argv[1], **arrays)
print(json.dumps({k: {'shape': list(np.shape(v)), 'dtype': np.asarray(v).dtype.str, 'data': np.asarray(v, np.float32).ravel().tolist()} for k, v in arrays.items()}))
`,
        file,
        saver,
      ),
    ) as Record<string, { shape: number[]; dtype: string; data: number[] }>;
    const parsed = parseNpz(readFileSync(file));
    expect([...parsed.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [key, want] of Object.entries(expected)) {
      expect([key, parsed.get(key)]).toEqual([key, { shape: want.shape, dtype: want.dtype, data: Float32Array.from(want.data) }]);
    }
  });

  it.each([false, true])('writes archives np.load reads back exactly (compress: %s)', (compress) => {
    const file = path.join(tmp, `ts-${compress}.npz`);
    writeFileSync(file, writeNpz(arrays, { compress }));
    const loaded = JSON.parse(
      python(
        String.raw`
import sys, json, numpy as np
with np.load(sys.argv[1]) as z:
    print(json.dumps({k: {'shape': list(z[k].shape), 'dtype': z[k].dtype.str, 'hex': z[k].tobytes().hex()} for k in z.files}))
`,
        file,
      ),
    ) as Record<string, { shape: number[]; dtype: string; hex: string }>;
    expect(Object.keys(loaded)).toEqual(Object.keys(arrays));
    for (const [key, array] of Object.entries(arrays)) {
      const hex = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength).toString('hex');
      expect(loaded[key]).toEqual({ shape: array.shape, dtype: '<f4', hex });
    }
  });

  it('reads the fixture style-affine weights as numpy does', () => {
    const expected = JSON.parse(
      python(
        String.raw`
import sys, json, numpy as np
with np.load(sys.argv[1]) as z:
    print(json.dumps({k: {'shape': list(z[k].shape), 'sum': float(z[k].astype(np.float64).sum())} for k in z.files}))
`,
        FIXTURE,
      ),
    ) as Record<string, { shape: number[]; sum: number }>;
    const parsed = parseNpz(readFileSync(FIXTURE));
    expect([...parsed.keys()]).toEqual(Object.keys(expected));
    for (const [key, want] of Object.entries(expected)) {
      const array = parsed.get(key)!;
      expect(array.shape).toEqual(want.shape);
      expect(array.data.reduce((a, b) => a + b, 0)).toBeCloseTo(want.sum, 3);
    }
  });
});
