/**
 * numpy's `.npz` archives: a zip of `.npy` members, stored (`np.savez`) or deflated
 * (`np.savez_compressed`). Style-affine weights and direction sets travel this way.
 */
import { unzipSync, zipSync, type UnzipFileInfo, type Zippable } from 'fflate';
import { formatBytes, MAX_DEFLATE_RATIO, MAX_NPZ_INFLATED_BYTES } from './limits';
import { NpyError, parseNpy, writeNpy, type FloatArray, type NpyArray } from './npy';

/** Options of {@link writeNpz}. */
export interface WriteNpzOptions {
  /** Deflate the members, as `np.savez_compressed` does; default false, as `np.savez`. */
  readonly compress?: boolean;
}

/** A fixed timestamp (the DOS epoch) makes the same arrays always produce the same bytes. */
const ZIP_TIME = new Date(1980, 0, 1);

/**
 * Reject members fflate would otherwise allocate or inflate blindly; keep only `.npy` members.
 * fflate inflates a member into a buffer of its declared size and never past it, so bounding the
 * declared sizes (each by the deflate ratio, all together by MAX_NPZ_INFLATED_BYTES, which also
 * stops entries that overlap to be inflated many times) bounds what the archive can expand to.
 */
function checkMember(archiveBytes: number, file: UnzipFileInfo, declared: { total: number }): boolean {
  // fflate walks as many directory entries as the archive claims; past the real ones it reads
  // zeros, so an empty name is where a damaged directory shows, and stopping there bounds the walk.
  if (file.name === '') {
    throw new NpyError('.npz archive is corrupt: its zip directory is damaged; re-save it with np.savez');
  }
  if (!file.name.endsWith('.npy')) return false;
  if (file.compression !== 0 && file.compression !== 8) {
    throw new NpyError(
      `${file.name} in the .npz archive uses zip compression method ${file.compression}; re-save with np.savez`,
    );
  }
  const sizeOk =
    file.size <= archiveBytes &&
    (file.compression === 0 ? file.originalSize === file.size : file.originalSize <= file.size * MAX_DEFLATE_RATIO + 1024);
  if (!sizeOk) throw new NpyError(`${file.name} in the .npz archive is corrupt: its sizes are impossible; re-save it`);
  declared.total += file.originalSize;
  if (declared.total > MAX_NPZ_INFLATED_BYTES) {
    throw new NpyError(`the .npz archive unpacks to more than ${formatBytes(MAX_NPZ_INFLATED_BYTES)}, the most the studio reads: it is damaged or built to exhaust memory; save only the arrays you need`);
  }
  return true;
}

/**
 * Read a `.npz` archive: every `.npy` member, keyed by its name without `.npy` (the key given to
 * `np.savez`), in archive order. Other members (numpy would hand them back as raw bytes) are
 * skipped. Throws {@link NpyError}.
 */
export function parseNpz(bytes: Uint8Array): Map<string, NpyArray> {
  let members: Record<string, Uint8Array>;
  try {
    // Check every member before inflating any, so a refusal costs no inflation at all.
    const declared = { total: 0 };
    const wanted = new Set<string>();
    unzipSync(bytes, {
      filter: (file) => {
        if (checkMember(bytes.length, file, declared)) wanted.add(file.name);
        return false;
      },
    });
    members = unzipSync(bytes, { filter: (file) => wanted.has(file.name) });
  } catch (error) {
    if (error instanceof NpyError) throw error;
    throw new NpyError(`not a readable .npz archive (${(error as Error).message}); save the arrays with np.savez`);
  }
  const arrays = new Map<string, NpyArray>();
  for (const [name, member] of Object.entries(members)) {
    try {
      arrays.set(name.slice(0, -'.npy'.length), parseNpy(member));
    } catch (error) {
      if (!(error instanceof NpyError)) throw error;
      throw new NpyError(`${name} in the .npz archive: ${error.message}`);
    }
  }
  return arrays;
}

/**
 * Write arrays as a `.npz` archive that `np.load` reads back under the same keys, like
 * `np.savez(file, **arrays)` (or `np.savez_compressed` with `compress`). Throws {@link NpyError} on
 * an empty key or an array whose shape does not match its data.
 */
export function writeNpz(arrays: Readonly<Record<string, FloatArray>>, options: WriteNpzOptions = {}): Uint8Array {
  const files: Zippable = {};
  for (const [key, array] of Object.entries(arrays)) {
    if (key === '') throw new NpyError('cannot write an .npz member with an empty name: give every array a key');
    files[`${key}.npy`] = writeNpy(array);
  }
  return zipSync(files, { level: options.compress ? 6 : 0, mtime: ZIP_TIME });
}
