/**
 * The zip `torch.save` format (PyTorch ≥ 1.6, newer HuggingFace `pytorch_model.bin` files): an
 * archive whose single top folder holds `data.pkl` (the saved object, its storages as persistent
 * ids `('storage', StorageType, key, location, numel)`) and one record `data/<key>` of raw
 * little-endian bytes per storage. Records are stored uncompressed, so every storage is a view of
 * the input.
 */
import { PickleError, readPickle, type GlobalTable, type PickleValue } from './pickle';
import { parseStorageId, TorchStorage } from './torch-tensor';
import { ZipArchive } from './zip-entries';

/**
 * Read a zip torch.save archive. `globals` are those its data.pkl may call. Throws
 * {@link PickleError} / CheckpointError naming what is wrong.
 */
export function readZipTorchSave(bytes: Uint8Array, globals: GlobalTable, what = 'the torch.save archive'): PickleValue {
  const archive = new ZipArchive(bytes, what);
  const pickles = [...archive.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) {
    throw new PickleError(`${what} holds ${pickles.length ? 'several' : 'no'} <folder>/data.pkl; it is not a file written by torch.save`);
  }
  const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
  const byteorder = archive.entries.has(`${prefix}byteorder`) ? asciiText(archive.read(`${prefix}byteorder`)) : 'little';
  if (byteorder !== 'little') throw new PickleError(`${what} was saved on a ${byteorder}-endian machine; re-save it with torch on a little-endian one`);
  const storages = new Map<string, TorchStorage>();
  const { value } = readPickle(archive.read(pickles[0]!), {
    globals,
    what: `${what} (${pickles[0]})`,
    persistentLoad: (pid) => {
      const id = parseStorageId(pid);
      let storage = storages.get(id.key);
      if (!storage) {
        storage = new TorchStorage(id.typeName, id.numel, id.key);
        const record = `${prefix}data/${id.key}`;
        if (!archive.entries.has(record)) throw new PickleError(`${what} refers to storage ${id.key} but has no ${record}; the file is damaged`);
        storage.fill(archive.read(record));
        storages.set(id.key, storage);
      }
      return storage;
    },
  });
  return value;
}

/** The text of a small ASCII record (`byteorder`). */
function asciiText(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, 16)).trim();
}
