import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { strToU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { NpyError, parseNpy, writeNpy, type FloatArray } from './npy';
import { python, pythonMissing } from '../../test-support/python';


const numpyMissing = pythonMissing('numpy');

const tmp = mkdtempSync(path.join(tmpdir(), 'npy-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An .npy file with the given header text and payload, for headers np.save would not write. */
function npy(header: string, payload: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const text = strToU8(header);
  const lengthBytes = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lengthBytes + text.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  new DataView(out.buffer).setUint32(8, text.length, true);
  if (major === 1) new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(text, 8 + lengthBytes);
  out.set(payload, 8 + lengthBytes + text.length);
  return out;
}

function floats(values: number[], type: 'f4' | 'f8', little: boolean): Uint8Array {
  const size = type === 'f4' ? 4 : 8;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => (type === 'f4' ? view.setFloat32(i * 4, v, little) : view.setFloat64(i * 8, v, little)));
  return out;
}

const arrayArb: fc.Arbitrary<FloatArray> = fc
  .array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 })
  .chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc
      .array(fc.float(), { minLength: size, maxLength: size })
      .map((values) => ({ shape, data: Float32Array.from(values) }));
  });

describe('writeNpy / parseNpy', () => {
  it('round-trips float32 arrays of any rank, including scalars and empty arrays', () => {
    fc.assert(
      fc.property(arrayArb, (array) => {
        const bytes = writeNpy(array);
        expect((10 + bytes[8]! + bytes[9]! * 256) % 64).toBe(0); // data starts 64-byte aligned
        expect(parseNpy(bytes)).toEqual({ ...array, dtype: '<f4' });
      }),
    );
  });

  it("spells the shape as Python's repr of a tuple", () => {
    const header = (shape: number[]) => {
      const bytes = writeNpy({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
      return String.fromCharCode(...bytes.subarray(10, 10 + bytes[8]! + bytes[9]! * 256)).trimEnd();
    };
    expect(header([3])).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }");
    expect(header([])).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
    expect(header([2, 3])).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => writeNpy({ shape: [2, 2], data: new Float32Array(3) })).toThrow(/3 values as shape \(2, 2\)/);
    expect(() => writeNpy({ shape: [-1], data: new Float32Array(1) })).toThrow(NpyError);
    expect(() => writeNpy({ shape: [0.5], data: new Float32Array(0) })).toThrow(NpyError);
  });
});

describe('parseNpy headers', () => {
  const values = [1.5, -2, 3.25, 4, 5, 6];

  it('reads versions 2.0 and 3.0, whose header lengths take 4 bytes (3.0 in UTF-8)', () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\n";
    for (const major of [2, 3]) {
      expect(parseNpy(npy(header, floats(values, 'f4', true), major)).data).toEqual(Float32Array.from(values));
    }
  });

  it('converts big-endian, float64 and Fortran-order data to C-order float32', () => {
    const fortran = parseNpy(npy("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }", floats(values, 'f8', false)));
    // Column-major [1.5, -2 | 3.25, 4 | 5, 6] is the 2×3 matrix [[1.5, 3.25, 5], [-2, 4, 6]].
    expect(fortran).toEqual({ shape: [2, 3], dtype: '>f8', data: Float32Array.of(1.5, 3.25, 5, -2, 4, 6) });
  });

  it('reads float16, subnormals and infinities included', () => {
    const half = Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c, 0xff, 0x7b, 0x00, 0x80);
    const array = parseNpy(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (6,), }", half));
    expect(Array.from(array.data)).toEqual([1, -2, 2 ** -24, Infinity, 65504, -0]);
    expect(Number.isNaN(parseNpy(npy("{'descr': '>f2', 'fortran_order': False, 'shape': (), }", Uint8Array.of(0x7e, 0))).data[0])).toBe(true);
  });

  it('accepts the header spellings numpy accepts: any key order, double quotes, Python 2 longs', () => {
    const array = parseNpy(npy(`{"shape": (2L, 1), "fortran_order": False, "descr": "<f4"}`, floats([7, 8], 'f4', true)));
    expect(array).toEqual({ shape: [2, 1], dtype: '<f4', data: Float32Array.of(7, 8) });
  });

  it.each([
    ['a different file', strToU8('PK\x03\x04 not numpy'), /magic is missing/],
    ['a future version', npy('{}', undefined, 4), /version 4.0 is not supported/],
    ['an integer dtype', npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }"), /'<i4' is not supported.*astype\(np.float32\)/],
    ['a structured dtype', npy("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }"), /structured/],
    ['a missing key', npy("{'descr': '<f4', 'shape': (1,), }"), /exactly 'descr'/],
    ['an extra key', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': True}"), /exactly 'descr'/],
    ['a malformed dict', npy("{'descr': '<f4', 'fortran_order': Maybe}"), /header is malformed/],
    ['short data', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(31)), /needs 32 bytes.*holds 31/],
    ['a huge shape', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }"), /truncated/],
    ['a cut header', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }").subarray(0, 30), /truncated inside its header/],
  ])('says what is wrong with %s', (_, bytes, message) => {
    expect(() => parseNpy(bytes)).toThrow(NpyError);
    expect(() => parseNpy(bytes)).toThrow(message);
  });
});

describe('parseNpy on malformed input throws NpyError only', () => {
  const file = writeNpy({ shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => i / 3) });
  const onlyNpyError = (bytes: Uint8Array) => {
    try {
      parseNpy(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(NpyError);
    }
  };

  it('on arbitrary bytes, with or without the magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, magic) => {
        onlyNpyError(magic ? Uint8Array.of(...file.subarray(0, 8), ...bytes) : bytes);
      }),
    );
  });

  it('on truncated files and bit flips', () => {
    fc.assert(fc.property(fc.nat(file.length - 1), (n) => onlyNpyError(file.subarray(0, n))));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = file.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        onlyNpyError(bytes);
      }),
    );
  });

  it('on arbitrary header text', () => {
    const pieces = fc.constantFrom("'descr'", "'<f4'", "'>f2'", "'fortran_order'", 'True', 'False', "'shape'", '(', ')', ',', ':', '{', '}', ' ', '3', '99999999999999999999', 'L', '"', '\\', '[');
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 20 }), fc.constantFrom(1, 2, 3), (parts, major) => {
        onlyNpyError(npy(parts.join(''), new Uint8Array(16), major));
      }),
    );
  });
});

describe.skipIf(numpyMissing !== '')('against numpy', () => {
  it('reads what np.save writes: f2/f4/f8, both byte orders, C and Fortran order, 0-D to 3-D, format 1.0/2.0/3.0', () => {
    const dir = mkdtempSync(path.join(tmp, 'numpy-'));
    python(
      String.raw`
import sys, json, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(1)
expected = {}
shapes = [(), (5,), (0, 3), (3, 4), (2, 3, 4)]
for dtype in ['<f2', '>f2', '<f4', '>f4', '<f8', '>f8']:
    for order in 'CF':
        for shape in shapes:
            a = np.asarray(rng.standard_normal(shape) * 10, dtype=dtype, order=order)
            name = f"{dtype.replace('<', 'le').replace('>', 'be')}-{order}-{'x'.join(map(str, shape)) or 'scalar'}.npy"
            np.save(f'{out}/{name}', a)
            expected[name] = {'shape': list(shape), 'dtype': dtype, 'data': a.astype(np.float32).ravel(order='C').tolist()}
for version in [(2, 0), (3, 0)]:
    a = np.asfortranarray(rng.standard_normal((3, 2)).astype('>f4'))
    name = f'v{version[0]}.npy'
    with open(f'{out}/{name}', 'wb') as fh:
        np.lib.format.write_array(fh, a, version=version)
    expected[name] = {'shape': [3, 2], 'dtype': '>f4', 'data': a.astype(np.float32).ravel(order='C').tolist()}
json.dump(expected, open(f'{out}/expected.json', 'w'))
`,
      dir,
    );
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, { shape: number[]; dtype: string; data: number[] }>;
    expect(readdirSync(dir).filter((f) => f.endsWith('.npy'))).toHaveLength(62);
    for (const [name, want] of Object.entries(expected)) {
      const got = parseNpy(readFileSync(path.join(dir, name)));
      expect([name, got]).toEqual([name, { shape: want.shape, dtype: want.dtype, data: Float32Array.from(want.data) }]);
    }
  });

  it('writes files np.load reads back exactly, with the bytes np.save itself writes', () => {
    const arrays: Record<string, FloatArray> = {
      scalar: { shape: [], data: Float32Array.of(Math.PI) },
      vector: { shape: [7], data: Float32Array.from({ length: 7 }, (_, i) => i - 3.5) },
      empty: { shape: [0, 4], data: new Float32Array(0) },
      cube: { shape: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => Math.fround(Math.sin(i) * 1e3)) },
      special: { shape: [4], data: Float32Array.of(-0, Infinity, -Infinity, 1e-45) },
    };
    for (const [name, array] of Object.entries(arrays)) writeFileSync(path.join(tmp, `${name}.npy`), writeNpy(array));
    const report = JSON.parse(
      python(
        String.raw`
import sys, io, json, numpy as np
report = {}
for name in sys.argv[2:]:
    path = f'{sys.argv[1]}/{name}.npy'
    a = np.load(path)
    ref = io.BytesIO(); np.save(ref, a)
    report[name] = {'dtype': a.dtype.str, 'shape': list(a.shape), 'c': bool(a.flags.c_contiguous),
                    'hex': a.astype('<f4').tobytes().hex(), 'same_bytes': ref.getvalue() == open(path, 'rb').read()}
report['numpy'] = np.__version__
print(json.dumps(report))
`,
        tmp,
        ...Object.keys(arrays),
      ),
    ) as Record<string, { dtype: string; shape: number[]; c: boolean; hex: string; same_bytes: boolean }> & { numpy: string };
    const [major, minor] = String(report.numpy).split('.').map(Number);
    // Float32Array bytes are little-endian on every platform Node runs on here, as '<f4' is.
    const hex = (data: Float32Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
    for (const [name, array] of Object.entries(arrays)) {
      const got = report[name]!;
      expect([name, got.dtype, got.shape, got.c]).toEqual([name, '<f4', array.shape, true]);
      expect(got.hex).toBe(hex(array.data));
      // The growth padding in the header arrived in numpy 1.23; older numpy writes a shorter header.
      if (major! > 1 || minor! >= 23) expect([name, got.same_bytes]).toEqual([name, true]);
    }
  });
});
