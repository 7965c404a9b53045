/**
 * Reading a {@link NetworkSnapshot} the way `load_state_dict(strict=True)` and
 * `models/tools/stylegan/nvidia_pickle.py`'s `check_attributes` do, before a graph converter
 * builds anything from it: every tensor a rebuilt network needs must be there with its exact shape,
 * nothing may be left over, and the architecture attributes each stored module recorded (a clamp,
 * a padding, a sampling rate) must equal the ones the constructor arguments imply. A mismatch ends
 * in a {@link CheckpointError} that says what was found and names the Python fallback.
 */
import { CheckpointError, type NetworkSnapshot, type StoredTensor } from './snapshot';

/** Sentence appended to every refusal: where to go when the TypeScript converter cannot help. */
export function pythonFallback(exporter: string): string {
  return `If the file loads in the original training code, convert it with the Python exporter instead (${exporter}, needs PyTorch).`;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The snapshot's tensors, handed out by name with their shapes checked, and an account of which were used. */
export class CheckedStateDict {
  private readonly used = new Set<string>();

  /**
   * @param snapshot the network as stored
   * @param what how refusals name the network ("a stylegan3 Generator")
   * @param fallback the sentence refusals end with ({@link pythonFallback})
   * @param args how refusals name the constructor arguments the expected shapes follow from
   *   (`init_kwargs {…}` where they are known when the dict is made)
   */
  constructor(
    private readonly snapshot: NetworkSnapshot,
    private readonly what: string,
    private readonly fallback: string,
    readonly args = 'the constructor arguments',
  ) {}

  /** Whether the snapshot stores `name` (without marking it used). */
  has(name: string): boolean {
    return this.snapshot.tensors.has(name);
  }

  /** The tensor `name`, which must exist with exactly `shape`. */
  take(name: string, shape: readonly number[]): StoredTensor {
    const tensor = this.snapshot.tensors.get(name);
    if (!tensor) throw this.refuse(`it has no tensor ${name}, which ${this.args} imply (shape ${shapeText(shape)})`);
    const same = tensor.shape.length === shape.length && tensor.shape.every((d, i) => d === shape[i]);
    if (!same) throw this.refuse(`${name} has shape ${shapeText(tensor.shape)} in the checkpoint, but ${this.args} imply ${shapeText(shape)}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== count) throw this.refuse(`${name} holds ${tensor.data.length} values, not the ${count} of its shape ${shapeText(shape)}`);
    this.used.add(name);
    return tensor;
  }

  /** Refuse tensors nothing took (strict loading: an extra tensor means an architecture we do not know). */
  assertAllUsed(): void {
    const extra = [...this.snapshot.tensors.keys()].filter((name) => !this.used.has(name));
    if (extra.length > 0) {
      const shown = extra.slice(0, 5).join(', ') + (extra.length > 5 ? ` and ${extra.length - 5} more` : '');
      throw this.refuse(`it stores tensors that ${this.what} with ${this.args} does not have: ${shown}`);
    }
  }

  /** A CheckpointError about this network. */
  refuse(finding: string): CheckpointError {
    return new CheckpointError(`This checkpoint is not ${this.what} the converter can read: ${finding}. ${this.fallback}`);
  }
}

/** What one module of the rebuilt network records: its class and the attributes worth comparing. */
export interface ExpectedModule {
  readonly className: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

function plain(value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value;
}

/**
 * Python `nvidia_pickle._same`: strings, booleans and None compare by equality (True == 1, as in
 * Python), numbers and arrays (broadcast, so a recorded `[36, 36]` equals 36) with a relative
 * tolerance of 1e-6.
 */
export function sameAttribute(stored: unknown, expected: unknown): boolean {
  const a = plain(stored);
  const b = plain(expected);
  if (typeof a === 'string' || typeof b === 'string' || a === null || b === null || a === undefined || b === undefined) return a === b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b);
  const xs = Array.isArray(a) ? a : [a];
  const ys = Array.isArray(b) ? b : [b];
  if (xs.length !== ys.length && xs.length !== 1 && ys.length !== 1) return false;
  const n = Math.max(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x: unknown = xs[xs.length === 1 ? 0 : i];
    const y: unknown = ys[ys.length === 1 ? 0 : i];
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!sameAttribute(x, y)) return false;
    } else if (typeof x !== 'number' || typeof y !== 'number' || !(Math.abs(x - y) <= 1e-6 * Math.abs(y))) {
      return false;
    }
  }
  return true;
}

/**
 * Compare the snapshot's module records with the rebuilt network's `expected` ones (by dotted
 * path, '' the root): every stored module must have a counterpart of the same class, and every
 * expected attribute the module recorded must be equal ({@link sameAttribute}). Attributes a
 * module did not record are not checked (readers of other formats may keep none).
 */
export function checkModules(snapshot: NetworkSnapshot, expected: ReadonlyMap<string, ExpectedModule>, dict: CheckedStateDict): void {
  for (const [path, record] of snapshot.modules) {
    const want = expected.get(path);
    const where = path === '' ? 'the network' : `module ${path}`;
    if (!want) throw dict.refuse(`${where} (${record.className}) has no counterpart in the network ${dict.args} describe`);
    if (record.className !== want.className) throw dict.refuse(`${where} is a ${record.className} in the checkpoint, where the network ${dict.args} describe has a ${want.className}`);
    for (const [name, value] of Object.entries(want.attributes)) {
      if (!(name in record.attributes)) continue;
      const stored = record.attributes[name];
      if (!sameAttribute(stored, value)) {
        throw dict.refuse(`${where} records ${name} = ${JSON.stringify(plain(stored))} in the checkpoint, but ${dict.args} give ${JSON.stringify(value)}`);
      }
    }
  }
}
