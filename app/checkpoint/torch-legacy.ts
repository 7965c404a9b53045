/**
 * The legacy (pre-1.6, `_use_new_zipfile_serialization=False`) `torch.save` format: five pickles
 * in a row — a magic number, the protocol version, sys info, the saved object (its storages as
 * persistent ids `('storage', StorageType, key, location, numel)`), the list of storage keys — and
 * then each storage's raw bytes, preceded by its element count as an int64. Older HuggingFace
 * `pytorch_model.bin` files use it, and every storage inside an NVIDIA network pickle is one such
 * blob (`torch.storage._load_from_bytes`). The storages are views of the input, never copies.
 */
import { describe, PickleError, readPickle, type GlobalTable, type PickleValue } from './pickle';
import { parseStorageId, TorchStorage } from './torch-tensor';

/** The number torch.save writes first in a legacy file. */
export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

/** What {@link readLegacyTorchSave} found. */
export interface LegacySave {
  /** The saved object (a state dict, or one storage). */
  readonly value: PickleValue;
  /** Where the last storage ended. */
  readonly end: number;
}

/** True when `bytes` begin like a legacy torch.save file (a protocol-2 pickle of the magic number). */
export function looksLikeLegacyTorchSave(bytes: Uint8Array): boolean {
  // PROTO 2, LONG1 with 10 bytes: the magic number's little-endian bytes start 0x6c 0xfc.
  return bytes.length > 5 && bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a && bytes[4] === 0x6c && bytes[5] === 0xfc;
}

/**
 * Read a legacy torch.save file from `bytes` at `offset`. `globals` are those the saved object may
 * call (tensors, OrderedDict …). Throws {@link PickleError} naming what is wrong.
 */
export function readLegacyTorchSave(bytes: Uint8Array, globals: GlobalTable, what = 'the torch.save file', offset = 0): LegacySave {
  const none: GlobalTable = new Map();
  const magic = readPickle(bytes, { globals: none, offset, what });
  if (magic.value !== LEGACY_MAGIC) throw new PickleError(`${what} does not start with torch.save's magic number; it is not a legacy torch.save file`);
  const protocol = readPickle(bytes, { globals: none, offset: magic.end, what });
  if (protocol.value !== PROTOCOL_VERSION) throw new PickleError(`${what} is torch.save protocol ${String(protocol.value)}, not ${PROTOCOL_VERSION}`);
  const sysInfo = readPickle(bytes, { globals: none, offset: protocol.end, what });
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new PickleError(`${what} was saved on a big-endian machine; load and re-save it with torch on a little-endian one`);
  }
  const storages = new Map<string, TorchStorage>();
  const main = readPickle(bytes, {
    globals,
    offset: sysInfo.end,
    what,
    persistentLoad: (pid) => {
      const id = parseStorageId(pid);
      let storage = storages.get(id.key);
      if (!storage) {
        storage = new TorchStorage(id.typeName, id.numel, id.key);
        storages.set(id.key, storage);
      } else if (storage.typeName !== id.typeName || storage.numel !== id.numel) {
        throw new PickleError(`${what} refers to storage ${id.key} with two different types or sizes`);
      }
      return id.view ? storage.view(id.view[1], id.view[2], id.view[0]) : storage;
    },
  });
  const keys = readPickle(bytes, { globals: none, offset: main.end, what });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string' || typeof k === 'number')) {
    throw new PickleError(`${what} lists its storages as a ${describe(keys.value)}, not a list of keys`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  const stored = keys.value.map(String);
  for (const key of stored) {
    const storage = storages.get(key);
    if (!storage) throw new PickleError(`${what} stores storage ${key}, which nothing refers to`);
    if (at + 8 > bytes.length) throw new PickleError(`${what} ends before storage ${key}; the file is truncated`);
    const count = view.getBigInt64(at, true);
    if (count !== BigInt(storage.numel)) throw new PickleError(`${what}: storage ${key} holds ${count} values, but ${storage.numel} were announced`);
    const length = storage.numel * storage.elementSize;
    if (at + 8 + length > bytes.length) throw new PickleError(`${what} ends inside storage ${key}; the file is truncated`);
    storage.fill(bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  const missing = [...storages.keys()].filter((key) => !stored.includes(key));
  if (missing.length) throw new PickleError(`${what} refers to storage ${missing[0]} but does not store it; the file is damaged`);
  return { value: main.value, end: at };
}
