/**
 * Export files as the renderer sees them: written by the host (main/services/exports.ts) through
 * the contract, in chunks of at most EXPORT_CHUNK_BYTES sent as base64. The host keeps the file
 * under a temporary name until {@link HostFile.finish}; {@link HostFile.abort} deletes it.
 */
import { EXPORT_CHUNK_BYTES, type ExportKind } from '../../app/contract/channels';
import { getHost } from '../platform/host';

/** Where a finished export went. */
export interface SavedFile {
  name: string;
  path: string;
  bytes: number;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // String.fromCharCode takes its arguments on the stack: convert in slices.
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/** One export file being written by the host. */
export class HostFile {
  private closed = false;

  private constructor(private readonly handle: string) {}

  /** Begin `name` in the export folder (or in its sub-folder `folder`); the final name may get a number if it is taken. */
  static async create(name: string, kind: ExportKind, folder?: string): Promise<HostFile> {
    const { handle } = await getHost().exportBegin(folder === undefined ? { name, kind } : { name, kind, folder });
    return new HostFile(handle);
  }

  /** Write `bytes` at `position`, in as many calls as the chunk limit needs, one after another. */
  async write(position: number, bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; at += EXPORT_CHUNK_BYTES) {
      await getHost().exportWrite({ handle: this.handle, position: position + at, data: toBase64(bytes.subarray(at, at + EXPORT_CHUNK_BYTES)) });
    }
  }

  /** Flush and rename to the final name; returns where it went. */
  async finish(): Promise<SavedFile> {
    this.closed = true;
    return getHost().exportFinish({ handle: this.handle });
  }

  /** Delete the unfinished file (does nothing once finished or aborted). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await getHost().exportAbort({ handle: this.handle });
  }
}

/** Write a whole file at once; on failure its temporary file is removed and the error rethrown. */
export async function saveFile(name: string, kind: ExportKind, bytes: Uint8Array, folder?: string): Promise<SavedFile> {
  const file = await HostFile.create(name, kind, folder);
  try {
    await file.write(0, bytes);
    return await file.finish();
  } catch (error) {
    await file.abort();
    throw error;
  }
}
