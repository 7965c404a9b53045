/**
 * numpy's `.npy` format (numpy/lib/format.py): direction vectors, InterFaceGAN boundaries and
 * style-affine weights arrive this way. Reading accepts header versions 1.0, 2.0 and 3.0, float16,
 * float32 and float64 in either byte order, C or Fortran order, and always yields float32 in C
 * order, since that is what every consumer here feeds to the math and to the runtime. Writing emits
 * what `np.save` would for a float32 C-order array.
 */
import { strFromU8, strToU8 } from 'fflate';

/** Raised on a malformed or unsupported `.npy`/`.npz` file; the message says what to do. */
export class NpyError extends Error {
  override readonly name = 'NpyError';
}

/** The dtypes {@link parseNpy} reads, as numpy spells them in the header. */
export type NpyDtype = '<f2' | '>f2' | '<f4' | '>f4' | '<f8' | '>f8';

/** A float32 array in C order with its shape. */
export interface FloatArray {
  readonly data: Float32Array;
  /** Dimensions, outermost first; `[]` for a scalar. */
  readonly shape: readonly number[];
}

/** An array read from a `.npy` file: C-order float32 data, its shape and the file's dtype. */
export interface NpyArray extends FloatArray {
  readonly dtype: NpyDtype;
}

const MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY
const SUPPORTED: readonly string[] = ['<f2', '>f2', '<f4', '>f4', '<f8', '>f8'] satisfies NpyDtype[];
/** np.save pads the header so the data starts on a 64-byte boundary. */
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

type HeaderValue = string | boolean | number[];

/**
 * Parse the header, a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. Only the literal forms np.save
 * writes are accepted: quoted strings, True/False and tuples of integers.
 */
function parseHeaderDict(text: string): Map<string, HeaderValue> {
  let at = 0;
  const fail = (what: string): never => {
    throw new NpyError(`.npy header is malformed (${what} at character ${at}); re-save the array with np.save`);
  };
  const space = () => {
    while (at < text.length && ' \t\r\n'.includes(text[at]!)) at++;
  };
  const expect = (char: string) => {
    space();
    if (text[at] !== char) fail(`expected "${char}"`);
    at++;
  };
  const string = (): string => {
    space();
    const quote = text[at];
    if (quote !== "'" && quote !== '"') fail('expected a string');
    const end = text.indexOf(quote!, at + 1);
    if (end < 0 || text.slice(at + 1, end).includes('\\')) fail('unsupported string');
    const value = text.slice(at + 1, end);
    at = end + 1;
    return value;
  };
  const integer = (): number => {
    space();
    // A trailing L comes from Python 2's long integers, which numpy still accepts.
    const match = /^\d+L?/.exec(text.slice(at, at + 24));
    if (!match) fail('expected an integer');
    at += match![0].length;
    const value = Number.parseInt(match![0], 10);
    if (!Number.isSafeInteger(value)) fail('dimension too large');
    return value;
  };
  const value = (): HeaderValue => {
    space();
    if (text.startsWith('True', at) || text.startsWith('False', at)) {
      const truth = text.startsWith('True', at);
      at += truth ? 4 : 5;
      return truth;
    }
    if (text[at] === "'" || text[at] === '"') return string();
    if (text[at] === '[') throw new NpyError('structured .npy arrays are not supported: save a plain float array');
    expect('(');
    const dims: number[] = [];
    for (;;) {
      space();
      if (text[at] === ')') break;
      dims.push(integer());
      space();
      if (text[at] === ',') at++;
      else if (text[at] !== ')') fail('expected "," or ")"');
    }
    at++;
    return dims;
  };

  const entries = new Map<string, HeaderValue>();
  expect('{');
  for (;;) {
    space();
    if (text[at] === '}') break;
    const key = string();
    expect(':');
    entries.set(key, value());
    space();
    if (text[at] === ',') at++;
    else if (text[at] !== '}') fail('expected "," or "}"');
  }
  at++;
  space();
  if (at !== text.length) fail('unexpected text after the header');
  return entries;
}

interface Header {
  dtype: NpyDtype;
  fortran: boolean;
  shape: number[];
  dataStart: number;
}

function readHeader(bytes: Uint8Array): Header {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError('not a .npy file: the \\x93NUMPY magic is missing; save the array with np.save');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) {
    throw new NpyError(`.npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  // Version 1.0 has a 2-byte header length; 2.0 and 3.0 have 4 bytes. All little-endian.
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new NpyError('.npy file is truncated inside its header');
  let headerLength = 0;
  for (let i = lengthBytes - 1; i >= 0; i--) headerLength = headerLength * 256 + bytes[8 + i]!;
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new NpyError('.npy file is truncated inside its header');
  // Versions 1.0 and 2.0 encode the header as Latin-1, 3.0 as UTF-8; np.save only writes ASCII.
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let text: string;
  try {
    text = strFromU8(headerBytes, major < 3);
  } catch {
    throw new NpyError('.npy header is not valid UTF-8; re-save the array with np.save');
  }
  const entries = parseHeaderDict(text);
  const descr = entries.get('descr');
  const fortran = entries.get('fortran_order');
  const shape = entries.get('shape');
  if (entries.size !== 3 || typeof descr !== 'string' || typeof fortran !== 'boolean' || !Array.isArray(shape)) {
    throw new NpyError(".npy header must hold exactly 'descr' (a string), 'fortran_order' and 'shape'; re-save with np.save");
  }
  if (!SUPPORTED.includes(descr)) {
    throw new NpyError(
      `.npy dtype '${descr}' is not supported: save float16, float32 or float64 (e.g. arr.astype(np.float32))`,
    );
  }
  return { dtype: descr as NpyDtype, fortran, shape, dataStart };
}

/** IEEE 754 half-precision bits → the number they stand for (subnormals, ±Infinity and NaN included). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** C-order copy of Fortran-order `src` (column-major: the first index varies fastest). */
function fortranToC(src: Float32Array, shape: readonly number[]): Float32Array {
  const rank = shape.length;
  const out = new Float32Array(src.length);
  // Fortran strides, in elements.
  const strides = new Array<number>(rank);
  for (let k = 0, s = 1; k < rank; k++) {
    strides[k] = s;
    s *= shape[k]!;
  }
  // Walk the C-order index like an odometer (last axis fastest), tracking the Fortran offset.
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[offset]!;
    for (let k = rank - 1; k >= 0; k--) {
      index[k]!++;
      offset += strides[k]!;
      if (index[k]! < shape[k]!) break;
      offset -= strides[k]! * shape[k]!;
      index[k] = 0;
    }
  }
  return out;
}

/**
 * Read a `.npy` file. Returns the values as float32 in C order (Fortran-order files are
 * transposed into C order), the shape and the file's dtype. Bytes after the data are ignored, as
 * numpy does. Throws {@link NpyError}.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const { dtype, fortran, shape, dataStart } = readHeader(bytes);
  const size = shape.reduce((a, b) => a * b, 1);
  const itemSize = Number(dtype[2]);
  // Check against the bytes present before allocating: a corrupt shape may be enormous.
  if (size * itemSize > bytes.length - dataStart) {
    throw new NpyError(
      `.npy file is truncated: shape (${shape.join(', ')}) of ${dtype} needs ${size * itemSize} bytes of data, the file holds ${bytes.length - dataStart}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, size * itemSize);
  const little = dtype[0] === '<';
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    if (itemSize === 4) data[i] = view.getFloat32(i * 4, little);
    else if (itemSize === 8) data[i] = view.getFloat64(i * 8, little);
    else data[i] = halfToFloat(view.getUint16(i * 2, little));
  }
  return { data: fortran && shape.length > 1 ? fortranToC(data, shape) : data, shape, dtype };
}

function checkShape(array: FloatArray): void {
  const { data, shape } = array;
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new NpyError(`cannot write shape (${shape.join(', ')}) to .npy: dimensions must be whole numbers ≥ 0`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new NpyError(`cannot write ${data.length} values as shape (${shape.join(', ')}), which holds ${size}`);
  }
}

/**
 * Write a float32 C-order array as a version 1.0 `.npy` file laid out as `np.save` (numpy ≥ 1.23)
 * writes it: little-endian `<f4`, the header padded so the data starts on a 64-byte boundary.
 * Throws {@link NpyError} when the shape does not match the data.
 */
export function writeNpy(array: FloatArray): Uint8Array {
  checkShape(array);
  const { data, shape } = array;
  // Python's repr of a tuple: a 1-tuple keeps its trailing comma.
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  // numpy >= 1.23 leaves room for the first axis to grow to 21 digits, so appending tools can
  // rewrite the header in place; match it so the files are interchangeable.
  const growth = shape.length > 0 ? GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length : 0;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }` + ' '.repeat(Math.max(0, growth));
  const unpadded = MAGIC.length + 4 + dict.length + 1;
  const header = dict + ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  if (header.length > 0xffff) throw new NpyError(`cannot write a ${shape.length}-D array: its .npy header is too long`);

  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >>> 8;
  out.set(strToU8(header, true), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}
