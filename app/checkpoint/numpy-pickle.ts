/**
 * numpy values as NVIDIA's network pickles hold them (StyleGAN3 modules keep sampling rates and
 * sizes as numpy scalars and arrays): the globals numpy's pickling calls, `numpy.dtype`,
 * `numpy.core.multiarray.scalar` and `_reconstruct` + BUILD, as data constructors. Only numeric
 * and boolean dtypes are read; object arrays (which would carry further pickles) are refused.
 */
import { halfToFloat } from '../codecs/npy';
import { describe, isTuple, PickleError, PickleGlobal, type Buildable, type GlobalDefinition, type GlobalTable, type PickleTuple, type PickleValue, type PlainConvertible } from './pickle';

const KINDS: Readonly<Record<string, { size: readonly number[] }>> = {
  f: { size: [2, 4, 8] },
  i: { size: [1, 2, 4, 8] },
  u: { size: [1, 2, 4, 8] },
  b: { size: [1] },
};

/** A numpy dtype: kind letter, item size and byte order. */
export class NumpyDtype implements Buildable {
  littleEndian = true;

  constructor(
    readonly kind: string,
    readonly itemSize: number,
  ) {}

  setState(state: PickleValue): void {
    if (!isTuple(state) || state.length < 2 || typeof state[1] !== 'string') throw new PickleError('a numpy dtype has a malformed state');
    if (state[2] !== null || state[3] !== null) throw new PickleError('a numpy dtype is a structured or sub-array type, which checkpoints do not use');
    if (state[1] === '>' && this.itemSize > 1) this.littleEndian = false;
  }

  /** Element `i` of `bytes` as a number (booleans as 0/1). */
  read(view: DataView, i: number): number {
    const at = i * this.itemSize;
    const le = this.littleEndian;
    switch (`${this.kind}${this.itemSize}`) {
      case 'f2':
        return halfToFloat(view.getUint16(at, le));
      case 'f4':
        return view.getFloat32(at, le);
      case 'f8':
        return view.getFloat64(at, le);
      case 'i1':
        return view.getInt8(at);
      case 'i2':
        return view.getInt16(at, le);
      case 'i4':
        return view.getInt32(at, le);
      case 'i8':
        return Number(view.getBigInt64(at, le));
      case 'u1':
      case 'b1':
        return view.getUint8(at);
      case 'u2':
        return view.getUint16(at, le);
      case 'u4':
        return view.getUint32(at, le);
      default:
        return Number(view.getBigUint64(at, le));
    }
  }

  /** The Python value of one element (numbers, or booleans for `bool`). */
  item(view: DataView, i: number): number | boolean {
    const value = this.read(view, i);
    return this.kind === 'b' ? value !== 0 : value;
  }
}

function parseDescr(descr: PickleValue): NumpyDtype {
  const m = typeof descr === 'string' ? /^([a-z])(\d+)$/.exec(descr) : null;
  const kind = m ? KINDS[m[1]!] : undefined;
  if (!m || !kind || !kind.size.includes(Number(m[2]))) {
    throw new PickleError(`numpy dtype ${typeof descr === 'string' ? `'${descr}'` : describe(descr)} is not a plain number type; checkpoints keep only numbers in numpy values`);
  }
  return new NumpyDtype(m[1]!, Number(m[2]));
}

function bytesOf(value: PickleValue, n: number, dtype: NumpyDtype, what: string): DataView {
  if (!(value instanceof Uint8Array)) throw new PickleError(`a numpy ${what} holds a ${describe(value)} instead of raw bytes (an object array?)`);
  if (value.length !== n * dtype.itemSize) throw new PickleError(`a numpy ${what} should hold ${n * dtype.itemSize} bytes but holds ${value.length}`);
  return new DataView(value.buffer, value.byteOffset, value.byteLength);
}

/** A numpy array rebuilt by `_reconstruct` + BUILD; plain data as nested arrays (`tolist()`). */
export class NumpyArray implements Buildable, PlainConvertible {
  shape: readonly number[] = [0];
  values: readonly (number | boolean)[] = [];

  setState(state: PickleValue): void {
    if (!isTuple(state) || state.length !== 5) throw new PickleError('a numpy array has a malformed state');
    const [, shape, dtype, fortran, raw] = state;
    if (!isTuple(shape) || !shape.every((s) => Number.isSafeInteger(s) && (s as number) >= 0)) throw new PickleError('a numpy array has a malformed shape');
    if (!(dtype instanceof NumpyDtype)) throw new PickleError(`a numpy array has dtype ${describe(dtype)}`);
    const dims = shape as readonly number[];
    const n = dims.reduce((a, b) => a * b, 1);
    const view = bytesOf(raw, n, dtype, 'array');
    const values = Array.from({ length: n }, (_, i) => dtype.item(view, i));
    this.shape = dims;
    this.values = fortran === true ? fortranToC(values, dims) : values;
  }

  toPlain(): unknown {
    const nest = (axis: number, start: number): unknown => {
      if (axis === this.shape.length) return this.values[start];
      const step = this.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[axis]! }, (_, i) => nest(axis + 1, start + i * step));
    };
    return nest(0, 0);
  }
}

function fortranToC<T>(values: readonly T[], shape: readonly number[]): T[] {
  const rank = shape.length;
  const out = new Array<T>(values.length);
  for (let i = 0; i < values.length; i++) {
    let rest = i;
    let f = 0;
    let fStride = 1;
    const index = new Array<number>(rank);
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = rest % shape[k]!;
      rest = Math.floor(rest / shape[k]!);
    }
    for (let k = 0; k < rank; k++) {
      f += index[k]! * fStride;
      fStride *= shape[k]!;
    }
    out[i] = values[f]!;
  }
  return out;
}

const scalar: GlobalDefinition = {
  call: (args: PickleTuple) => {
    const [dtype, raw] = args;
    if (!(dtype instanceof NumpyDtype)) throw new PickleError(`a numpy scalar has dtype ${describe(dtype)}`);
    return dtype.item(bytesOf(raw, 1, dtype, 'scalar'), 0);
  },
};

const reconstruct: GlobalDefinition = {
  call: (args: PickleTuple) => {
    if (!(args[0] instanceof PickleGlobal && args[0].qualname === 'ndarray')) throw new PickleError('numpy _reconstruct builds something other than numpy.ndarray');
    return new NumpyArray();
  },
};

/** `numpy.dtype`, `numpy.ndarray` and numpy's multiarray `scalar` / `_reconstruct` (numpy 1 and 2 spellings). */
export const NUMPY_GLOBALS: GlobalTable = new Map<string, GlobalDefinition>([
  ['numpy.dtype', { call: (args) => parseDescr(args[0]) }],
  ['numpy.ndarray', { create: () => new NumpyArray() }],
  ['numpy.core.multiarray.scalar', scalar],
  ['numpy._core.multiarray.scalar', scalar],
  ['numpy.core.multiarray._reconstruct', reconstruct],
  ['numpy._core.multiarray._reconstruct', reconstruct],
]);
