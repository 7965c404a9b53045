/**
 * PyTorch tensors as pickles describe them, without PyTorch: a storage (a dtype and raw
 * little-endian bytes, a view of the file wherever possible) and the tensors that
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` carves out of it. Both the
 * legacy and the zip `torch.save` formats and NVIDIA's network pickles build tensors this way; the
 * globals they call are defined here as data constructors. Values are widened to float32 only when
 * asked ({@link TorchTensor.values}), so a pickle's G and D, which nobody reads, cost nothing.
 */
import { halfToFloat } from '../codecs/npy';
import { describe, isTuple, PickleError, PickleGlobal, type GlobalDefinition, type GlobalTable, type PickleTuple, type PickleValue } from './pickle';

/** Element types a storage may hold, by PyTorch's storage class name. */
export const STORAGE_DTYPES = {
  FloatStorage: { dtype: 'float32', size: 4 },
  HalfStorage: { dtype: 'float16', size: 2 },
  BFloat16Storage: { dtype: 'bfloat16', size: 2 },
  DoubleStorage: { dtype: 'float64', size: 8 },
  LongStorage: { dtype: 'int64', size: 8 },
  IntStorage: { dtype: 'int32', size: 4 },
  ShortStorage: { dtype: 'int16', size: 2 },
  CharStorage: { dtype: 'int8', size: 1 },
  ByteStorage: { dtype: 'uint8', size: 1 },
  BoolStorage: { dtype: 'bool', size: 1 },
} as const;

/** A storage class name PyTorch writes (`FloatStorage`, `HalfStorage`, …). */
export type StorageTypeName = keyof typeof STORAGE_DTYPES;

/** One storage: its element type and count, and its bytes once they are known. */
export class TorchStorage {
  private bytes: Uint8Array | undefined;

  constructor(
    readonly typeName: StorageTypeName,
    readonly numel: number,
    readonly key: string,
    /** For a view: the storage it lies in and its first element there. */
    private readonly parent?: { readonly storage: TorchStorage; readonly offset: number },
  ) {}

  get dtype(): string {
    return STORAGE_DTYPES[this.typeName].dtype;
  }

  get elementSize(): number {
    return STORAGE_DTYPES[this.typeName].size;
  }

  /** Attach the raw bytes (legacy torch.save stores them after the pickle that refers to them). */
  fill(bytes: Uint8Array): void {
    if (bytes.length < this.numel * this.elementSize) {
      throw new PickleError(`storage ${this.key} should hold ${this.numel} ${this.dtype} values but has ${bytes.length} bytes; the file is truncated`);
    }
    this.bytes = bytes;
  }

  /** The raw bytes; throws when the file never supplied them. */
  get data(): Uint8Array {
    if (this.parent) {
      const size = this.elementSize;
      return this.parent.storage.data.subarray(this.parent.offset * size, (this.parent.offset + this.numel) * size);
    }
    if (this.bytes === undefined) throw new PickleError(`storage ${this.key} is referred to but its data is missing from the file`);
    return this.bytes;
  }

  /** A storage of `size` elements starting `offset` elements into this one (very old torch's views). */
  view(offset: number, size: number, key: string): TorchStorage {
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(size) && offset >= 0 && size >= 0 && offset + size <= this.numel)) {
      throw new PickleError(`storage view ${key} lies outside storage ${this.key}`);
    }
    return new TorchStorage(this.typeName, size, key, { storage: this, offset });
  }
}

let halfTable: Float32Array | undefined;

/** Every float16 bit pattern's float32 value: one lookup per element instead of arithmetic. */
function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = halfToFloat(bits);
  }
  return halfTable;
}

/** A tensor: a strided window on a storage. */
export class TorchTensor {
  private cached: Float32Array | undefined;

  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  get dtype(): string {
    return this.storage.dtype;
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  private contiguous(): boolean {
    let expected = 1;
    for (let k = this.shape.length - 1; k >= 0; k--) {
      if (this.shape[k] !== 1 && this.stride[k] !== expected) return false;
      expected *= this.shape[k]!;
    }
    return true;
  }

  /**
   * The values in C order, widened to float32. A contiguous float32 tensor whose bytes are
   * 4-aligned is a view of the file's bytes (no copy); others are converted once and kept.
   */
  values(): Float32Array {
    if (this.cached) return this.cached;
    const raw = this.storage.data;
    const n = this.numel;
    const size = this.storage.elementSize;
    const start = raw.byteOffset + this.offset * size;
    let out: Float32Array;
    if (this.dtype === 'float32' && this.contiguous()) {
      // Uint8Array's own slice copies; a Node Buffer's `slice` would return a view of the same
      // unaligned bytes, whose `.buffer` is the whole file.
      out = start % 4 === 0 ? new Float32Array(raw.buffer, start, n) : new Float32Array(Uint8Array.prototype.slice.call(raw, this.offset * 4, (this.offset + n) * 4).buffer);
    } else {
      out = new Float32Array(n);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const read = reader(this.dtype, view);
      if (this.contiguous()) {
        for (let i = 0; i < n; i++) out[i] = read(this.offset + i);
      } else {
        gather(out, read, this.offset, this.shape, this.stride);
      }
    }
    this.cached = out;
    return out;
  }
}

function reader(dtype: string, view: DataView): (index: number) => number {
  switch (dtype) {
    case 'float16': {
      const table = halves();
      return (i) => table[view.getUint16(2 * i, true)]!;
    }
    case 'bfloat16': {
      const word = new DataView(new ArrayBuffer(4));
      return (i) => {
        word.setUint32(0, view.getUint16(2 * i, true) << 16, true);
        return word.getFloat32(0, true);
      };
    }
    case 'float32':
      return (i) => view.getFloat32(4 * i, true);
    case 'float64':
      return (i) => view.getFloat64(8 * i, true);
    case 'int64':
      return (i) => Number(view.getBigInt64(8 * i, true));
    case 'int32':
      return (i) => view.getInt32(4 * i, true);
    case 'int16':
      return (i) => view.getInt16(2 * i, true);
    case 'int8':
      return (i) => view.getInt8(i);
    case 'uint8':
    case 'bool':
      return (i) => view.getUint8(i);
    default:
      throw new PickleError(`tensors of dtype ${dtype} cannot be read`);
  }
}

/** Copy a strided tensor into C order, walking its index like an odometer (last axis fastest). */
function gather(out: Float32Array, read: (i: number) => number, offset: number, shape: readonly number[], stride: readonly number[]): void {
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = read(at);
    for (let k = rank - 1; k >= 0; k--) {
      index[k]!++;
      at += stride[k]!;
      if (index[k]! < shape[k]!) break;
      at -= stride[k]! * shape[k]!;
      index[k] = 0;
    }
  }
}

function intList(value: PickleValue, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) {
    throw new PickleError(`a tensor's ${what} is not a tuple of non-negative integers`);
  }
  return value as number[];
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)`, its window checked against the storage. */
function rebuildTensor(args: PickleTuple): TorchTensor {
  if (args.length < 4) throw new PickleError(`a tensor is rebuilt from ${args.length} arguments, not storage, offset, size and stride`);
  const [storage, offset, sizeArg, strideArg] = args;
  if (!(storage instanceof TorchStorage)) throw new PickleError(`a tensor is rebuilt from a ${describe(storage)}, not a storage`);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new PickleError('a tensor has a bad storage offset');
  const shape = intList(sizeArg, 'size');
  const stride = intList(strideArg, 'stride');
  if (shape.length !== stride.length) throw new PickleError(`a tensor has ${shape.length} sizes but ${stride.length} strides`);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel > 0) {
    const last = shape.reduce((sum, s, k) => sum + (s - 1) * stride[k]!, offset as number);
    // Also bounds what values() allocates: never more elements than the storage holds.
    if (last >= storage.numel || numel > storage.numel) {
      throw new PickleError(`a tensor of shape [${shape.join(', ')}] does not fit in its storage of ${storage.numel} values (${storage.key}); the file is damaged`);
    }
  }
  return new TorchTensor(storage, offset as number, shape, stride);
}

function rebuildParameter(args: PickleTuple): TorchTensor {
  const data = args[0];
  if (!(data instanceof TorchTensor)) throw new PickleError(`a parameter is rebuilt from a ${describe(data)}, not a tensor`);
  return data;
}

const REBUILDERS = new Map<string, (args: PickleTuple) => TorchTensor>([
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_parameter', rebuildParameter],
  ['torch._utils._rebuild_parameter_with_state', rebuildParameter],
]);

const MARKER: GlobalDefinition = {};

/** A `torch.FloatStorage`-style global: its storage class name, or undefined. */
export function storageTypeOf(value: PickleValue): StorageTypeName | undefined {
  if (!(value instanceof PickleGlobal) || value.module !== 'torch') return undefined;
  return Object.hasOwn(STORAGE_DTYPES, value.qualname) ? (value.qualname as StorageTypeName) : undefined;
}

/**
 * The globals that rebuild tensors and name their types: `_rebuild_tensor_v2`,
 * `_rebuild_parameter(_with_state)`, `_rebuild_from_type_v2` (of those only), `torch.Size`,
 * `torch.device`, dtypes and storage classes (as names only).
 */
export const TENSOR_GLOBALS: GlobalTable = new Map<string, GlobalDefinition>([
  ...[...REBUILDERS].map(([name, call]) => [name, { call }] as const),
  [
    'torch._tensor._rebuild_from_type_v2',
    {
      call: (args) => {
        const [func, , inner] = args;
        const rebuild = func instanceof PickleGlobal ? REBUILDERS.get(func.fullName) : undefined;
        if (!rebuild || !isTuple(inner)) throw new PickleError('_rebuild_from_type_v2 wraps something other than a tensor rebuild');
        return rebuild(inner);
      },
    },
  ],
  ['torch.Size', { call: (args) => Object.freeze(intList(args[0] ?? [], 'size').slice()) }],
  [
    'torch.device',
    {
      call: (args) => {
        if (typeof args[0] !== 'string') throw new PickleError('torch.device is called without a device name');
        return args[0];
      },
    },
  ],
  ['torch.Tensor', MARKER],
  ['torch.nn.parameter.Parameter', MARKER],
  ...['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'].map((name) => [`torch.${name}`, MARKER] as const),
  ...Object.keys(STORAGE_DTYPES).map((name) => [`torch.${name}`, MARKER] as const),
]);

/** torch.save's persistent id of a storage: `('storage', StorageType, key, location, numel[, view])`. */
export interface StorageId {
  readonly typeName: StorageTypeName;
  readonly key: string;
  readonly numel: number;
  /** Very old files: (view key, offset, size) within the storage. */
  readonly view: readonly [string, number, number] | null;
}

/** Parse a storage's persistent id; anything else is refused. */
export function parseStorageId(pid: PickleValue): StorageId {
  if (!isTuple(pid) || pid[0] !== 'storage' || pid.length < 5 || pid.length > 6) {
    throw new PickleError(`a persistent id is a ${describe(pid)}, not torch.save's ('storage', type, key, location, size)`);
  }
  const typeName = storageTypeOf(pid[1]);
  if (!typeName) throw new PickleError(`a storage has type ${describe(pid[1])}, not a torch storage class`);
  const key = pid[2];
  const numel = pid[4];
  if ((typeof key !== 'string' && typeof key !== 'number') || !Number.isSafeInteger(numel) || (numel as number) < 0) {
    throw new PickleError('a storage id has a bad key or size');
  }
  const view = pid[5] ?? null;
  if (view !== null && !(isTuple(view) && view.length === 3 && Number.isSafeInteger(view[1]) && Number.isSafeInteger(view[2]))) {
    throw new PickleError('a storage id has a malformed view');
  }
  return { typeName, key: String(key), numel: numel as number, view: view as StorageId['view'] };
}
