/**
 * What every part of the importer shares: the bounds on what an import may bring in, the error that
 * refuses one, and how sizes and file names are shown in its messages. Its own file so that the zip
 * reader, the single-graph staging and the importer itself (import.ts) import it without a loop.
 */
import { MAX_ZIP_ENTRY_BYTES } from '../../app/codecs/limits';

/** Bounds on what an import may bring in. */
export interface ImportLimits {
  /** One file (an ONNX graph is a protobuf, which cannot exceed 2 GiB). */
  maxFileBytes: number;
  /** All files of one package together. */
  maxPackageBytes: number;
  /** Files a manifest may list. */
  maxFiles: number;
  /** Entries a .zip may hold (listed or not). */
  maxZipEntries: number;
  /** A .zip is read into memory whole, so it is bounded like one file. */
  maxZipBytes: number;
}

/** The limits the hosts use. */
export const IMPORT_LIMITS: ImportLimits = {
  maxFileBytes: MAX_ZIP_ENTRY_BYTES,
  maxPackageBytes: 8 * 2 ** 30,
  maxFiles: 64,
  maxZipEntries: 1024,
  maxZipBytes: 2 ** 31 - 1,
};

/** Raised when an import is refused; the message says what is wrong and what to do. Nothing was changed. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
}

/** A size as the importer's messages give it. */
export function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** A display name for a file the user gave: its last path part, without control characters. */
export function displayFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  return base.replace(/[\x00-\x1f\x7f]/g, '').slice(0, 200) || 'the file';
}
