/**
 * Files that are either the old version or the new one, never half of each: write a temporary
 * file beside the target, flush it to disk, rename it over the target, then flush the folder so
 * the rename itself survives a power cut. A crash at any point leaves a whole file behind.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The hidden name a file is written under until it is complete: `.<name>.<pid>-<12 hex>.partial`,
 * beside the target. The pid lets a later run tell a dead writer's leftovers from a live one's.
 */
export function partialName(name: string): string {
  return `.${name}.${process.pid}-${randomBytes(6).toString('hex')}.partial`;
}

/** Flush a folder's entries (renames, new files) to disk. */
export async function syncFolder(dir: string): Promise<void> {
  // A rename is durable only once its folder is flushed; Windows cannot open folders for that.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replace `file` with `data` atomically (creating its folder if needed): readers and a killed
 * process see the old file or the whole new one. With `sync` (the default) the file and its folder
 * are flushed too, so it also survives a power cut; renders of many frames skip that (milliseconds
 * per file, and a frame can be rendered again) and call {@link syncFolder} once at the end.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, { sync = true } = {}): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, partialName(path.basename(file)));
  const handle = await fs.open(temp, 'wx');
  let closed = false;
  try {
    await handle.writeFile(data);
    if (sync) await handle.sync();
    await handle.close();
    closed = true;
    await fs.rename(temp, file);
  } catch (error) {
    if (!closed) await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  if (sync) await syncFolder(dir);
}

/** {@link writeFileAtomic} of a value as JSON (two-space indent, trailing newline). */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
