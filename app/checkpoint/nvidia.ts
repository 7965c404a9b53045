/**
 * NVIDIA network pickles (stylegan2-ada-pytorch, stylegan3: `ffhq.pkl`, `stylegan3-t-…pkl`) read
 * without Python. Such a file is `pickle.dump` of `{training_set_kwargs, G, D, G_ema,
 * augment_pipe}`; every network module pickles as `torch_utils.persistence.
 * _reconstruct_persistent_obj(meta)` with meta = {type: 'class', version, module_src, class_name,
 * state (the module's __dict__)}. Python would exec module_src; here a module is only a record of
 * its class name and state, and `G_ema` becomes a {@link NetworkSnapshot}: the state-dict tensors
 * (`_parameters` and persistent `_buffers`, recursively through `_modules`), every module's plain
 * attributes and the constructor arguments. `models/tools/stylegan/nvidia_pickle.py` is the Python
 * reader this one is tested against.
 */
import { describe, DictObject, mergeGlobals, PickleError, PYTHON_GLOBALS, readPickle, toPlain, type GlobalTable, type PickleValue, MAX_NESTING } from './pickle';
import { NUMPY_GLOBALS } from './numpy-pickle';
import { CheckpointError, type ModuleRecord, type NetworkSnapshot, type StoredTensor } from './snapshot';
import { readLegacyTorchSave } from './torch-legacy';
import { TENSOR_GLOBALS, TorchStorage, TorchTensor } from './torch-tensor';

/** The only persistence version NVIDIA's stylegan2-ada-pytorch and stylegan3 write. */
export const PERSISTENCE_VERSION = 6;

const FALLBACK = 'models/tools/export_stylegan.py (Python) reads the same files and is the fallback';

/** One persisted module, not executed: its class name and state. */
export class PersistentRecord {
  constructor(
    readonly className: string,
    readonly version: unknown,
    /** The source of the module's file, kept for provenance; never executed or parsed. */
    readonly moduleSrc: string,
    readonly state: ReadonlyMap<PickleValue, PickleValue>,
  ) {}

  /** Child modules by name (absent ones, stored as None, left out). */
  get children(): [string, PickleValue][] {
    const modules = this.state.get('_modules');
    if (modules === undefined || modules === null) return [];
    if (!(modules instanceof Map)) throw new PickleError(`a ${this.className} keeps its sub-modules in a ${describe(modules)}`);
    return [...modules].filter(([, child]) => child !== null).map(([name, child]) => [String(name), child]);
  }

  child(name: string): PersistentRecord | undefined {
    const found = this.children.find(([n]) => n === name)?.[1];
    return found instanceof PersistentRecord ? found : undefined;
  }
}

function reconstructPersistent(args: readonly PickleValue[]): PersistentRecord {
  const meta = args[0];
  if (!(meta instanceof Map) || meta.get('type') !== 'class') throw new PickleError(`a persistence record is a ${describe(meta)}, not a class record`);
  const className = meta.get('class_name');
  const state = meta.get('state');
  if (typeof className !== 'string' || !(state instanceof Map)) throw new PickleError('a persistence record has no class name or no state');
  const src = meta.get('module_src');
  return new PersistentRecord(className, meta.get('version'), typeof src === 'string' ? src : '', state);
}

function loadStorageBytes(args: readonly PickleValue[]): TorchStorage {
  const blob = args[0];
  if (!(blob instanceof Uint8Array)) throw new PickleError(`_load_from_bytes is given a ${describe(blob)}, not bytes`);
  const { value } = readLegacyTorchSave(blob, TENSOR_GLOBALS, 'a tensor storage in the pickle');
  if (!(value instanceof TorchStorage)) throw new PickleError(`a tensor storage in the pickle holds a ${describe(value)}, not one storage`);
  return value;
}

/** Every global an NVIDIA network pickle may call, as the issue lists them; nothing else. */
export const NVIDIA_GLOBALS: GlobalTable = mergeGlobals(
  PYTHON_GLOBALS,
  TENSOR_GLOBALS,
  NUMPY_GLOBALS,
  new Map([
    ['torch_utils.persistence._reconstruct_persistent_obj', { call: reconstructPersistent }],
    ['dnnlib.util.EasyDict', { create: () => new DictObject(), call: () => new DictObject() }],
    ['dnnlib.EasyDict', { create: () => new DictObject(), call: () => new DictObject() }],
    ['torch.storage._load_from_bytes', { call: loadStorageBytes }],
  ]),
);

/**
 * Unpickle a network pickle: its top-level dict (usually G, D, G_ema as {@link PersistentRecord},
 * augment_pipe, training_set_kwargs). Throws {@link PickleError} on anything unreadable or on a
 * global outside {@link NVIDIA_GLOBALS}, naming it; nothing from the file is run.
 */
export function readNetworkPickle(bytes: Uint8Array, what = 'the network pickle'): ReadonlyMap<PickleValue, PickleValue> {
  const { value } = readPickle(bytes, {
    globals: NVIDIA_GLOBALS,
    what,
    refusalAdvice: "NVIDIA's training code never writes such a reference, so this file is not a network pickle as it saves them: get it again from its source",
  });
  if (value instanceof PersistentRecord) return new Map([['G_ema', value]]);
  if (!(value instanceof Map)) throw new CheckpointError(`${what} holds a ${describe(value)}, not the dict of networks NVIDIA's training code writes`);
  return value;
}

function stored(tensor: PickleValue, name: string): StoredTensor {
  if (!(tensor instanceof TorchTensor)) throw new CheckpointError(`${name} is a ${describe(tensor)} where a tensor was expected`);
  return { shape: tensor.shape, dtype: tensor.dtype, data: tensor.values() };
}

function entries(value: PickleValue, what: string): [string, PickleValue][] {
  if (value === undefined || value === null) return [];
  if (!(value instanceof Map)) throw new CheckpointError(`${what} is a ${describe(value)}, not a dict`);
  return [...value].map(([k, v]) => [String(k), v]);
}

/** The module a Generator came from, told by its structure, since the pickle records only the class name. */
function generatorModule(root: PersistentRecord, initKwargs: Readonly<Record<string, unknown>>): string | undefined {
  if (root.className !== 'Generator') return undefined;
  if (root.child('synthesis')?.child('input')?.className === 'SynthesisInput') return 'training.networks_stylegan3';
  // stylegan2-ada-pytorch takes synthesis_kwargs as one argument; the stylegan3 repo's StyleGAN2 flattens them.
  return 'synthesis_kwargs' in initKwargs ? 'training.networks' : 'training.networks_stylegan2';
}

/**
 * A persisted network as a {@link NetworkSnapshot}: tensors under their state-dict names, every
 * module's plain attributes, the constructor arguments as plain data. `moduleName` is
 * `training.networks` (stylegan2-ada-pytorch), `training.networks_stylegan2` or
 * `training.networks_stylegan3` (the stylegan3 repo) for a Generator, told by its structure as
 * nvidia_pickle.py does.
 */
export function snapshotOf(root: PersistentRecord, what = 'G_ema'): NetworkSnapshot {
  if (root.version !== PERSISTENCE_VERSION) {
    throw new CheckpointError(`${what} was pickled with persistence version ${String(root.version)}; this reader knows version ${PERSISTENCE_VERSION}. ${FALLBACK}`);
  }
  const tensors = new Map<string, StoredTensor>();
  const modules = new Map<string, ModuleRecord>();
  const walk = (record: PersistentRecord, path: string, depth: number): void => {
    if (depth > MAX_NESTING) throw new PickleError(`${what} nests modules more than ${MAX_NESTING} deep; the file is damaged`);
    const prefix = path ? `${path}.` : '';
    const skip = record.state.get('_non_persistent_buffers_set');
    const nonPersistent = skip instanceof Set ? skip : new Set();
    for (const [name, tensor] of entries(record.state.get('_parameters'), `${what}.${prefix}_parameters`)) {
      if (tensor !== null) tensors.set(prefix + name, stored(tensor, `${what}.${prefix}${name}`));
    }
    for (const [name, tensor] of entries(record.state.get('_buffers'), `${what}.${prefix}_buffers`)) {
      if (tensor !== null && !nonPersistent.has(name)) tensors.set(prefix + name, stored(tensor, `${what}.${prefix}${name}`));
    }
    const attributes: Record<string, unknown> = {};
    for (const [key, value] of record.state) {
      if (typeof key !== 'string' || key.startsWith('_')) continue;
      const plain = toPlain(value, `${what}.${prefix}${key}`);
      if (plain !== undefined) attributes[key] = plain;
    }
    modules.set(path, { path, className: record.className, attributes });
    for (const [name, child] of record.children) {
      if (!(child instanceof PersistentRecord)) throw new CheckpointError(`${what}.${prefix}${name} is a ${describe(child)}, not a persisted network module. ${FALLBACK}`);
      walk(child, prefix + name, depth + 1);
    }
  };
  walk(root, '', 0);
  const initArgs = toPlain(root.state.get('_init_args') ?? [], `${what}._init_args`);
  const initKwargs = toPlain(root.state.get('_init_kwargs') ?? new Map(), `${what}._init_kwargs`);
  if (!Array.isArray(initArgs) || typeof initKwargs !== 'object' || initKwargs === null || Array.isArray(initKwargs)) {
    throw new CheckpointError(`${what} records no readable constructor arguments (_init_args / _init_kwargs). ${FALLBACK}`);
  }
  const kwargs = initKwargs as Record<string, unknown>;
  const moduleName = generatorModule(root, kwargs);
  return { className: root.className, ...(moduleName ? { moduleName } : {}), initArgs, initKwargs: kwargs, tensors, modules };
}

/**
 * The `G_ema` network of an NVIDIA network pickle (never `G`, which differs from it) as a
 * {@link NetworkSnapshot}. Throws {@link CheckpointError} when there is none, naming what there is.
 */
export function readNvidiaGenerator(bytes: Uint8Array, what = 'the network pickle'): NetworkSnapshot {
  const networks = readNetworkPickle(bytes, what);
  const gEma = networks.get('G_ema');
  if (!(gEma instanceof PersistentRecord)) {
    const keys = [...networks.keys()].map(String).join(', ') || 'nothing';
    throw new CheckpointError(`${what} has no G_ema network (it holds ${keys}); only NVIDIA training pickles with G_ema can be opened. ${FALLBACK}`);
  }
  return snapshotOf(gEma);
}
