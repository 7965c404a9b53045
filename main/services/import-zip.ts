/**
 * Reading a .zip of a model package before anything is inflated: every entry's name is checked
 * for paths that leave the package (zip-slip), its sizes for zip bombs, the count and total for
 * the import limits, and the folder the package sits under is found.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { MAX_DEFLATE_RATIO } from '../../app/codecs/limits';
import { gib, ImportError, type ImportLimits } from './import-limits';

/**
 * Why a zip entry name could point outside the package, or null when it is a plain relative path:
 * `..` segments, absolute paths, backslashes (Windows separators), drive letters, NUL, empty or `.` segments.
 */
export function unsafeZipEntry(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('\\')) return 'uses a backslash, which some systems read as a folder separator';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  const segments = name.split('/');
  if (segments.at(-1) === '') segments.pop(); // a folder entry ends with "/"
  if (segments.some((s) => s === '..')) return 'climbs out of the package with ".."';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or "." path segment';
  return null;
}

/** A zip's entries, checked before anything is inflated. */
export interface ZipListing {
  entries: UnzipFileInfo[];
  /** The folder prefix the package sits under ('' or 'name/'). */
  root: string;
}

/** List and check a zip's entries without inflating any: count, names (zip-slip), sizes, and where the package sits. */
export function listZip(bytes: Uint8Array, name: string, limits: ImportLimits): ZipListing {
  const entries: UnzipFileInfo[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        // fflate walks as many entries as the directory claims; past the real ones names come out empty.
        if (f.name === '') throw new ImportError(`${name} is damaged: its zip directory is corrupt; re-create the zip`);
        entries.push(f);
        if (entries.length > limits.maxZipEntries) {
          throw new ImportError(`${name} holds more than ${limits.maxZipEntries} entries, far more than a model package; zip only the package folder`);
        }
        return false;
      },
    });
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(`${name} is not a readable .zip (${(error as Error).message}); re-create it from the model folder`);
  }
  let total = 0;
  for (const entry of entries) {
    const unsafe = unsafeZipEntry(entry.name);
    if (unsafe) {
      throw new ImportError(
        `${name} was refused: its entry "${entry.name}" ${unsafe}, so it could write outside the model's folder. Nothing was imported; re-create the zip from the model folder`,
      );
    }
    const ratioOk = entry.compression === 0 ? entry.originalSize === entry.size : entry.originalSize <= entry.size * MAX_DEFLATE_RATIO + 1024;
    if ((entry.compression !== 0 && entry.compression !== 8) || !ratioOk) {
      throw new ImportError(`${name}: the entry "${entry.name}" has impossible sizes or an unsupported compression; re-create the zip`);
    }
    total += entry.originalSize;
  }
  if (total > limits.maxPackageBytes) {
    throw new ImportError(`${name} unpacks to ${gib(total)}, more than the ${gib(limits.maxPackageBytes)} a package may be`);
  }
  // macOS adds resource forks under __MACOSX/ when it zips a folder; they are not part of the package.
  const names = entries.map((e) => e.name).filter((n) => !n.startsWith('__MACOSX/'));
  if (names.includes('manifest.json')) return { entries, root: '' };
  const tops = new Set(names.map((n) => n.split('/')[0]));
  const [top] = tops;
  if (tops.size === 1 && names.includes(`${top}/manifest.json`)) return { entries, root: `${top}/` };
  throw new ImportError(`${name} holds no manifest.json at its top level or in one folder, so it is not a model package; zip the package folder itself`);
}
