/**
 * A pickle reader that never runs code: the protocol 2–5 opcodes that network checkpoints use
 * (NVIDIA's network pickles, `torch.save` files), evaluated by a small stack machine whose globals
 * come only from an allow-list of data constructors written here and by the format readers
 * (`torch-legacy.ts`, `torch-zip.ts`, `nvidia.ts`). Python's own unpickler imports whatever module a
 * GLOBAL names and calls it; that is how a pickle runs `os.system`. Here an unknown global is
 * refused by name before anything is built, and every length the file claims is checked against
 * the bytes that remain, so a damaged or hostile file ends in a {@link PickleError}, never a crash,
 * a hang or a huge allocation.
 *
 * Values: None → null, bool → boolean, int → number (bigint past 2^53), float → number, str →
 * string, bytes/bytearray → Uint8Array (a view of the input, never a copy), list → array, tuple →
 * frozen array, dict → Map, set/frozenset → Set, and whatever an allowed global builds.
 */
import { strFromU8 } from 'fflate';
import { MAX_CHECKPOINT_BYTES } from '../codecs/limits';
import { CheckpointError } from './snapshot';

/** Raised on a pickle that cannot be read or is refused; the message says what was found. */
export class PickleError extends CheckpointError {}

/** What the reader hands back; allowed globals add their own object types. */
export type PickleValue = unknown;

/** A tuple: a frozen array (lists are ordinary, mutable arrays). */
export type PickleTuple = readonly PickleValue[];

/** True when `value` is a pickled tuple rather than a list. */
export function isTuple(value: unknown): value is PickleTuple {
  return Array.isArray(value) && Object.isFrozen(value);
}

function tuple(items: PickleValue[]): PickleTuple {
  return Object.freeze(items);
}

/**
 * One allowed global: a data constructor that REDUCE (`call`) or NEWOBJ (`create`) may apply.
 * An object it returns may take BUILD's state through {@link Buildable}.
 */
export interface GlobalDefinition {
  /** REDUCE: `global(*args)`. */
  readonly call?: (args: PickleTuple) => PickleValue;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`. */
  readonly create?: (args: PickleTuple, kwargs: ReadonlyMap<PickleValue, PickleValue>) => PickleValue;
}

/** An object that accepts BUILD (`__setstate__`). */
export interface Buildable {
  setState(state: PickleValue): void;
}

function isBuildable(value: unknown): value is Buildable {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Buildable>).setState === 'function';
}

/**
 * A dict subclass instance (OrderedDict, EasyDict): a Map whose instance attributes, which BUILD
 * sets (torch's state dicts carry `_metadata`), are kept beside its items.
 */
export class DictObject extends Map<PickleValue, PickleValue> implements Buildable {
  readonly attributes = new Map<string, PickleValue>();

  setState(state: PickleValue): void {
    if (state === null) return;
    if (!(state instanceof Map)) throw new PickleError(`a dict object is given a ${describe(state)} as its state, not a dict of attributes`);
    for (const [key, value] of state) this.attributes.set(String(key), value);
  }
}

/** A resolved global on the stack: its dotted name and its definition. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly qualname: string,
    readonly definition: GlobalDefinition,
  ) {}

  /** `module.qualname`, as the refusal messages name it. */
  get fullName(): string {
    return `${this.module}.${this.qualname}`;
  }
}

/** Allowed globals by `module.qualname`. */
export type GlobalTable = ReadonlyMap<string, GlobalDefinition>;

/** How one pickle is read. */
export interface PickleReadOptions {
  readonly globals: GlobalTable;
  /** Resolves PERSID/BINPERSID ids (torch.save's storages); absent: such a pickle is refused. */
  readonly persistentLoad?: (pid: PickleValue) => PickleValue;
  /** Where the pickle starts in the bytes (torch's legacy format puts several in a row). */
  readonly offset?: number;
  /** What the caller calls this pickle in messages (default "the pickle"). */
  readonly what?: string;
  /** Appended to a refused global's message: what the user can do instead. */
  readonly refusalAdvice?: string;
}

/** The value of one pickle and where its STOP ended. */
export interface PickleResult {
  readonly value: PickleValue;
  readonly end: number;
}

/** How deeply nested a value may be when a reader walks it ({@link checkDepth}). */
export const MAX_NESTING = 200;

const MARK_STACK_LIMIT = 1 << 20;

const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a,
  BININT1: 0x4b, LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52,
  BINSTRING: 0x54, SHORT_BINSTRING: 0x55, BINUNICODE: 0x58, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63,
  DICT: 0x64, EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68, LONG_BINGET: 0x6a, LIST: 0x6c,
  EMPTY_LIST: 0x5d, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74,
  EMPTY_TUPLE: 0x29, SETITEMS: 0x75, BINFLOAT: 0x47, BINBYTES: 0x42, SHORT_BINBYTES: 0x43,
  PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89,
  LONG1: 0x8a, LONG4: 0x8b, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91, NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96, READONLY_BUFFER: 0x98,
} as const;

/** Opcodes of pickle protocols 0/1 and out-of-band buffers: never in the files this reads. */
const UNSUPPORTED: Readonly<Record<number, string>> = {
  0x53: 'STRING', 0x56: 'UNICODE', 0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
};

/** Python's int from little-endian two's-complement bytes, as a number when it is exact. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  if (bytes.length <= 6) {
    let value = 0;
    for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + bytes[i]!;
    return bytes[bytes.length - 1]! & 0x80 ? value - 2 ** (8 * bytes.length) : value;
  }
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return normaliseInt(value);
}

function normaliseInt(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Map keys compare by identity in JS; ints that arrive as bigint but fit are numbers, so equal ints meet. */
function hashable(key: PickleValue): PickleValue {
  if (Array.isArray(key) && !isTuple(key)) throw new PickleError('the pickle uses a list as a dict key or set item, which Python cannot do; the file is corrupt');
  if (key instanceof Map) throw new PickleError('the pickle uses a dict as a dict key or set item, which Python cannot do; the file is corrupt');
  return key;
}

class Machine {
  private readonly view: DataView;
  private pos: number;
  private stack: PickleValue[] = [];
  private readonly marks: PickleValue[][] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly what: string;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: PickleReadOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = options.offset ?? 0;
    this.what = options.what ?? 'the pickle';
  }

  private fail(reason: string): never {
    throw new PickleError(`${this.what} is not readable: ${reason}`);
  }

  private need(count: number): number {
    if (!(count >= 0) || count > this.bytes.length - this.pos) {
      this.fail(`it ends early (byte ${this.pos} needs ${count} more of ${this.bytes.length - this.pos} left); the file is truncated or damaged`);
    }
    const at = this.pos;
    this.pos += count;
    return at;
  }

  private u8(): number {
    return this.bytes[this.need(1)]!;
  }

  private u16(): number {
    return this.view.getUint16(this.need(2), true);
  }

  private u32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  private u64(): number {
    const at = this.need(8);
    const high = this.view.getUint32(at + 4, true);
    // Any length past 2^53 is past the end of every file that can be held in memory.
    if (high >= 0x200000) this.fail(`a length of more than 2^53 bytes at byte ${at}`);
    return high * 2 ** 32 + this.view.getUint32(at, true);
  }

  private slice(length: number): Uint8Array {
    const at = this.need(length);
    return this.bytes.subarray(at, at + length);
  }

  private line(): string {
    const start = this.pos;
    const end = this.bytes.indexOf(0x0a, start);
    if (end < 0) this.fail(`a text argument at byte ${start} has no end of line; the file is truncated`);
    this.pos = end + 1;
    return strFromU8(this.bytes.subarray(start, end), true);
  }

  private utf8(length: number): string {
    return strFromU8(this.slice(length));
  }

  private pop(): PickleValue {
    if (this.stack.length === 0) this.fail(`an opcode before byte ${this.pos} takes a value from an empty stack`);
    return this.stack.pop();
  }

  private top(): PickleValue {
    if (this.stack.length === 0) this.fail(`an opcode before byte ${this.pos} reads an empty stack`);
    return this.stack[this.stack.length - 1];
  }

  /** Push a value computed first: `this.stack.push(f())` would read `this.stack` before f swaps it. */
  private push(value: PickleValue): void {
    this.stack.push(value);
  }

  private popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.marks.pop();
    if (previous === undefined) this.fail(`an opcode before byte ${this.pos} needs a MARK that is not there`);
    this.stack = previous;
    return items;
  }

  private memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`it reads memo entry ${index}, which was never stored`);
    return this.memo.get(index);
  }

  private memoPut(index: number): void {
    this.memo.set(index, this.top());
  }

  private resolve(module: string, qualname: string): PickleGlobal {
    const definition = this.options.globals.get(`${module}.${qualname}`);
    if (definition === undefined) {
      throw new PickleError(
        `${this.what} calls ${module}.${qualname}, which a network checkpoint never needs; it was not run, and the file ` +
          `was refused${this.options.refusalAdvice ? `. ${this.options.refusalAdvice}` : ''}`,
      );
    }
    return new PickleGlobal(module, qualname, definition);
  }

  private callable(value: PickleValue, opcode: string): PickleGlobal {
    if (!(value instanceof PickleGlobal)) this.fail(`${opcode} applies something that is not a global (a ${describe(value)})`);
    return value;
  }

  private args(value: PickleValue, opcode: string): PickleTuple {
    if (!isTuple(value)) this.fail(`${opcode} takes its arguments from a ${describe(value)}, not a tuple`);
    return value;
  }

  private setItems(target: PickleValue, items: readonly PickleValue[]): void {
    if (!(target instanceof Map)) this.fail(`SETITEM(S) stores into a ${describe(target)}, not a dict`);
    if (items.length % 2 !== 0) this.fail('SETITEMS has a key without a value');
    for (let i = 0; i < items.length; i += 2) target.set(hashable(items[i]), items[i + 1]);
  }

  private appendItems(target: PickleValue, items: readonly PickleValue[]): void {
    if (!Array.isArray(target) || isTuple(target)) this.fail(`APPEND(S) adds to a ${describe(target)}, not a list`);
    // A loop, not push(...items): a spread of a huge APPENDS would overflow the call stack.
    for (const item of items) (target as PickleValue[]).push(item);
  }

  private persistent(pid: PickleValue): PickleValue {
    if (!this.options.persistentLoad) this.fail('it refers to data outside itself (a persistent id), which this kind of file never does');
    return this.options.persistentLoad(pid);
  }

  private apply(global: PickleGlobal, run: () => PickleValue): PickleValue {
    try {
      return run();
    } catch (error) {
      if (error instanceof PickleError || !(error instanceof CheckpointError)) throw error;
      throw new PickleError(`${this.what}: ${global.fullName}: ${error.message}`);
    }
  }

  run(): PickleResult {
    if (this.bytes.length > MAX_CHECKPOINT_BYTES) this.fail(`it is ${this.bytes.length} bytes long, more than the ${MAX_CHECKPOINT_BYTES} this reader accepts`);
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case OP.PROTO: {
          const protocol = this.u8();
          if (protocol < 2 || protocol > 5) this.fail(`pickle protocol ${protocol}; checkpoints use protocols 2 to 5`);
          break;
        }
        case OP.FRAME:
          // A frame only announces how many bytes follow; they are read as they come.
          if (this.u64() > this.bytes.length - this.pos) this.fail(`a frame at byte ${at} is longer than the rest of the file; the file is truncated`);
          break;
        case OP.STOP:
          if (this.marks.length !== 0 || this.stack.length !== 1) this.fail(`STOP at byte ${at} leaves ${this.stack.length} values and ${this.marks.length} marks, not one value`);
          return { value: this.stack[0], end: this.pos };
        case OP.MARK:
          if (this.marks.length >= MARK_STACK_LIMIT) this.fail('too many nested MARKs');
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case OP.POP:
          if (this.stack.length === 0 && this.marks.length > 0) this.popMark();
          else this.pop();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.stack.push(this.top());
          break;
        case OP.PUT: {
          const index = Number(this.line());
          if (!Number.isSafeInteger(index) || index < 0) this.fail(`PUT at byte ${at} has a bad memo index`);
          this.memoPut(index);
          break;
        }
        case OP.BINPUT:
          this.memoPut(this.u8());
          break;
        case OP.LONG_BINPUT:
          this.memoPut(this.u32());
          break;
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.GET: {
          const index = Number(this.line());
          if (!Number.isSafeInteger(index)) this.fail(`GET at byte ${at} has a bad memo index`);
          this.stack.push(this.memoGet(index));
          break;
        }
        case OP.BINGET:
          this.stack.push(this.memoGet(this.u8()));
          break;
        case OP.LONG_BINGET:
          this.stack.push(this.memoGet(this.u32()));
          break;
        case OP.NONE:
          this.stack.push(null);
          break;
        case OP.NEWTRUE:
          this.stack.push(true);
          break;
        case OP.NEWFALSE:
          this.stack.push(false);
          break;
        case OP.INT: {
          const text = this.line();
          if (text === '00') this.stack.push(false);
          else if (text === '01') this.stack.push(true);
          else if (/^[+-]?\d+$/.test(text)) this.stack.push(normaliseInt(BigInt(text)));
          else this.fail(`INT at byte ${at} is not an integer`);
          break;
        }
        case OP.LONG: {
          const text = this.line().replace(/L$/, '');
          if (!/^[+-]?\d+$/.test(text)) this.fail(`LONG at byte ${at} is not an integer`);
          this.stack.push(normaliseInt(BigInt(text)));
          break;
        }
        case OP.BININT:
          this.stack.push(this.view.getInt32(this.need(4), true));
          break;
        case OP.BININT1:
          this.stack.push(this.u8());
          break;
        case OP.BININT2:
          this.stack.push(this.u16());
          break;
        case OP.LONG1:
          this.stack.push(decodeLong(this.slice(this.u8())));
          break;
        case OP.LONG4: {
          const length = this.view.getInt32(this.need(4), true);
          if (length < 0) this.fail(`LONG4 at byte ${at} has a negative length`);
          this.stack.push(decodeLong(this.slice(length)));
          break;
        }
        case OP.FLOAT: {
          const value = Number(this.line());
          if (Number.isNaN(value)) this.fail(`FLOAT at byte ${at} is not a number`);
          this.stack.push(value);
          break;
        }
        case OP.BINFLOAT:
          this.stack.push(this.view.getFloat64(this.need(8), false));
          break;
        case OP.SHORT_BINUNICODE:
          this.stack.push(this.utf8(this.u8()));
          break;
        case OP.BINUNICODE:
          this.stack.push(this.utf8(this.u32()));
          break;
        case OP.BINUNICODE8:
          this.stack.push(this.utf8(this.u64()));
          break;
        case OP.SHORT_BINSTRING:
          // Python 2 str: Python 3 reads it as text (the default encoding='ASCII'); latin-1 keeps every byte.
          this.stack.push(strFromU8(this.slice(this.u8()), true));
          break;
        case OP.BINSTRING: {
          const length = this.view.getInt32(this.need(4), true);
          if (length < 0) this.fail(`BINSTRING at byte ${at} has a negative length`);
          this.stack.push(strFromU8(this.slice(length), true));
          break;
        }
        case OP.SHORT_BINBYTES:
          this.stack.push(this.slice(this.u8()));
          break;
        case OP.BINBYTES:
          this.stack.push(this.slice(this.u32()));
          break;
        case OP.BINBYTES8:
        case OP.BYTEARRAY8:
          this.stack.push(this.slice(this.u64()));
          break;
        case OP.READONLY_BUFFER:
          this.top();
          break;
        case OP.EMPTY_LIST:
          this.stack.push([]);
          break;
        case OP.LIST:
          this.push(this.popMark());
          break;
        case OP.APPEND: {
          const item = this.pop();
          this.appendItems(this.top(), [item]);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case OP.EMPTY_TUPLE:
          this.stack.push(tuple([]));
          break;
        case OP.TUPLE:
          this.push(tuple(this.popMark()));
          break;
        case OP.TUPLE1:
          this.stack.push(tuple([this.pop()]));
          break;
        case OP.TUPLE2: {
          const b = this.pop();
          this.stack.push(tuple([this.pop(), b]));
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          this.stack.push(tuple([this.pop(), b, c]));
          break;
        }
        case OP.EMPTY_DICT:
          this.stack.push(new Map());
          break;
        case OP.DICT: {
          const dict = new Map();
          this.setItems(dict, this.popMark());
          this.stack.push(dict);
          break;
        }
        case OP.SETITEM: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case OP.EMPTY_SET:
          this.stack.push(new Set());
          break;
        case OP.ADDITEMS: {
          const items = this.popMark();
          const target = this.top();
          if (!(target instanceof Set)) this.fail(`ADDITEMS adds to a ${describe(target)}, not a set`);
          for (const item of items) target.add(hashable(item));
          break;
        }
        case OP.FROZENSET:
          this.push(new Set(this.popMark().map(hashable)));
          break;
        case OP.GLOBAL: {
          const module = this.line();
          this.stack.push(this.resolve(module, this.line()));
          break;
        }
        case OP.STACK_GLOBAL: {
          const qualname = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof qualname !== 'string') this.fail(`STACK_GLOBAL at byte ${at} names its global with non-strings`);
          this.stack.push(this.resolve(module, qualname));
          break;
        }
        case OP.REDUCE: {
          const args = this.args(this.pop(), 'REDUCE');
          const global = this.callable(this.pop(), 'REDUCE');
          const call = global.definition.call;
          if (!call) this.fail(`REDUCE calls ${global.fullName}, which is allowed only as a class to instantiate`);
          this.stack.push(this.apply(global, () => call(args)));
          break;
        }
        case OP.NEWOBJ:
        case OP.NEWOBJ_EX: {
          const kwargs = op === OP.NEWOBJ_EX ? this.pop() : new Map();
          if (!(kwargs instanceof Map)) this.fail(`NEWOBJ_EX at byte ${at} takes keyword arguments from a ${describe(kwargs)}`);
          const args = this.args(this.pop(), 'NEWOBJ');
          const global = this.callable(this.pop(), 'NEWOBJ');
          const create = global.definition.create;
          if (!create) this.fail(`NEWOBJ instantiates ${global.fullName}, which is allowed only as a function`);
          this.stack.push(this.apply(global, () => create(args, kwargs)));
          break;
        }
        case OP.BUILD: {
          const state = this.pop();
          const target = this.top();
          if (!isBuildable(target)) this.fail(`BUILD gives state to a ${describe(target)}, which takes none`);
          target.setState(state);
          break;
        }
        case OP.PERSID:
          this.stack.push(this.persistent(this.line()));
          break;
        case OP.BINPERSID:
          this.stack.push(this.persistent(this.pop()));
          break;
        default:
          this.fail(UNSUPPORTED[op] ? `opcode ${UNSUPPORTED[op]} at byte ${at} (pickle protocol 0/1 or out-of-band data), which checkpoints do not use` : `unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
      }
    }
  }
}

/** A short name for a value's kind, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'None';
  if (isTuple(value)) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map) return 'dict';
  if (value instanceof Set) return 'set';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof PickleGlobal) return `global ${value.fullName}`;
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

/**
 * Read one pickle from `bytes` (at `options.offset`), resolving globals only through
 * `options.globals`. Throws {@link PickleError} on anything malformed or refused.
 */
export function readPickle(bytes: Uint8Array, options: PickleReadOptions): PickleResult {
  return new Machine(bytes, options).run();
}

/** A value that can say what it is as plain data (numpy scalars and arrays). */
export interface PlainConvertible {
  toPlain(): unknown;
}

/** The most nodes {@link toPlain} builds: shared memo entries could otherwise multiply exponentially. */
const MAX_PLAIN_NODES = 1_000_000;

/**
 * `value` as JSON-like data (dicts with string or number keys → objects, lists, tuples and sets →
 * arrays, numpy values → numbers and nested arrays), or undefined when some part of it is not
 * plain data (a tensor, bytes, a module). Throws {@link PickleError} when it nests deeper than
 * {@link MAX_NESTING}, refers to itself or would expand past a million nodes.
 */
export function toPlain(value: unknown, what: string): unknown {
  let nodes = 0;
  const active = new Set<unknown>();
  const convert = (v: unknown, depth: number): unknown => {
    if (++nodes > MAX_PLAIN_NODES) throw new PickleError(`${what} expands to more than ${MAX_PLAIN_NODES} values; the file is damaged`);
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v !== 'object') return undefined;
    if (depth > MAX_NESTING) throw new PickleError(`${what} nests values more than ${MAX_NESTING} deep; the file is damaged`);
    if (active.has(v)) throw new PickleError(`${what} contains itself; the file is damaged`);
    if (typeof (v as Partial<PlainConvertible>).toPlain === 'function') return (v as PlainConvertible).toPlain();
    active.add(v);
    let out: unknown;
    if (Array.isArray(v) || v instanceof Set) {
      const items: unknown[] = [];
      for (const item of v) {
        const plain = convert(item, depth + 1);
        if (plain === undefined) return undefined;
        items.push(plain);
      }
      out = items;
    } else if (v instanceof Map) {
      const object: Record<string, unknown> = {};
      for (const [key, item] of v) {
        if (typeof key !== 'string' && typeof key !== 'number') return undefined;
        const plain = convert(item, depth + 1);
        if (plain === undefined) return undefined;
        object[String(key)] = plain;
      }
      out = object;
    }
    active.delete(v);
    return out;
  };
  return convert(value, 0);
}

function onlyArgs(args: PickleTuple, min: number, max: number, name: string): void {
  if (args.length < min || args.length > max) throw new PickleError(`${name} is called with ${args.length} arguments`);
}

/** `items` of a set(...) / OrderedDict(...) call: a list or tuple, or pairs for a dict. */
function iterableArg(value: PickleValue, name: string): readonly PickleValue[] {
  if (Array.isArray(value)) return value;
  throw new PickleError(`${name} is called with a ${describe(value)}, not a list`);
}

/** `(text, 'latin1')` → its bytes: how protocol 2 spells bytes and bytearrays. */
function latin1Bytes(args: PickleTuple, name: string): Uint8Array {
  const [text, encoding] = args;
  if (args.length !== 2 || typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
    throw new PickleError(`${name} is called with something other than (text, "latin1"), which is how protocol 2 writes bytes`);
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new PickleError(`${name} is given text that is not latin-1`);
    out[i] = code;
  }
  return out;
}

/**
 * Python's own data types that checkpoints pickle through a global: OrderedDict (a Map), set and
 * frozenset in protocols 2–3, and `_codecs.encode(text, 'latin1')`, protocol 2's spelling of bytes.
 */
export const PYTHON_GLOBALS: GlobalTable = new Map<string, GlobalDefinition>([
  [
    'collections.OrderedDict',
    {
      call: (args) => {
        onlyArgs(args, 0, 1, 'OrderedDict');
        const map = new DictObject();
        for (const pair of args.length ? iterableArg(args[0], 'OrderedDict') : []) {
          if (!Array.isArray(pair) || pair.length !== 2) throw new PickleError('OrderedDict is given an item that is not a (key, value) pair');
          map.set(hashable(pair[0]), pair[1]);
        }
        return map;
      },
      create: () => new DictObject(),
    },
  ],
  ...(['builtins.set', 'builtins.frozenset', '__builtin__.set', '__builtin__.frozenset'] as const).map(
    (name) =>
      [
        name,
        {
          call: (args: PickleTuple) => {
            onlyArgs(args, 0, 1, name);
            return new Set((args.length ? iterableArg(args[0], name) : []).map(hashable));
          },
        },
      ] as const,
  ),
  // Protocols 3–4 write bytearray(b'…'); protocol 2 writes bytearray('…', 'latin-1') and an empty bytes as bytes().
  ...['builtins.bytearray', '__builtin__.bytearray', 'builtins.bytes', '__builtin__.bytes'].map(
    (name) =>
      [
        name,
        {
          call: (args: PickleTuple) => {
            onlyArgs(args, 0, 2, name);
            if (args.length === 0) return new Uint8Array(0);
            if (args[0] instanceof Uint8Array && args.length === 1) return args[0].slice();
            return latin1Bytes(args, name);
          },
        },
      ] as const,
  ),
  [
    '_codecs.encode',
    {
      call: (args) => latin1Bytes(args, '_codecs.encode'),
    },
  ],
]);

/** One table holding every entry of `tables`. */
export function mergeGlobals(...tables: GlobalTable[]): GlobalTable {
  return new Map(tables.flatMap((table) => [...table]));
}
