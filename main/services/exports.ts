/**
 * Export files written by the host, never by a browser download: the renderer begins a file, writes
 * its bytes in chunks (at positions, so muxers can patch headers), then finishes or aborts it. Until
 * it finishes, the file lives under a hidden temporary name (`.<name>.<pid>-<random>.partial`) beside
 * its final place; finishing flushes it to disk and renames it, aborting deletes it, and a host that
 * starts removes what a crashed one left. So a cancel or a crash never leaves a broken file under a
 * real name. Plain Node; both hosts use it through api.ts, and the CLI uses {@link writeFileAtomic}.
 */
import { promises as fs, type Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isPlainName, type ExportKind } from '../../app/contract/channels';
import { partialName, syncFolder } from './atomic';

// The CLI writes its frames with the same helpers.
export { partialName, syncFolder, writeFileAtomic } from './atomic';

/** Environment variable that sets the export folder (tests always set it to a temp folder). */
export const EXPORT_DIR_ENV = 'LATENT_STUDIO_EXPORT_DIR';

/** Unfinished exports idle this long are aborted when another export begins. */
const IDLE_LIMIT_MS = 30 * 60 * 1000;
/** The most unfinished exports at once (a batch writes one file at a time). */
const MAX_OPEN = 32;
/** Temporary files older than this are removed at start even if their process id is alive again (ids get reused). */
const STALE_MS = 24 * 60 * 60 * 1000;
const PARTIAL = /^\..+\.(\d+)-[0-9a-f]{12}\.partial$/;

/**
 * The export folder: `$LATENT_STUDIO_EXPORT_DIR` when set, else `Latent Studio` in the user's
 * pictures folder (`$XDG_PICTURES_DIR` when the session exports it, else ~/Pictures; Electron
 * can later offer a folder dialog).
 */
export function exportDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const asked = env[EXPORT_DIR_ENV];
  if (asked) return path.resolve(asked);
  return path.join(env.XDG_PICTURES_DIR || path.join(home, 'Pictures'), 'Latent Studio');
}

/** Raised for an export request the service refuses; the message says what to do. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
}

function checkName(name: string, what: string): void {
  if (!isPlainName(name)) {
    throw new ExportError(`"${name}" is not a plain ${what} name: leave out folders and do not start it with "."`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface OpenExport {
  file: FileHandle;
  temp: string;
  dir: string;
  name: string;
  size: number;
  touched: number;
  /** The last write, settled either way: writes to one file run in order. */
  queue: Promise<void>;
}

/** What {@link ExportService.finish} reports. */
export interface FinishedExport {
  /** The final file name (a suffix is added when the asked-for name was taken). */
  name: string;
  path: string;
  bytes: number;
}

/** Unfinished and finished exports under one export folder. */
export class ExportService {
  private readonly open = new Map<string, OpenExport>();
  /** The start-up sweep; its failure is reported by the next {@link begin}. */
  private readonly swept: Promise<Error | null>;

  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.swept = this.sweep().then(
      () => null,
      (error: Error) => error,
    );
  }

  /**
   * Remove temporary files that crashed or killed exports left in the export folder and its
   * sub-folders (batches): those whose process is gone, and any older than a day. Returns their paths.
   */
  async sweep(): Promise<string[]> {
    const removed: string[] = [];
    const visit = async (dir: string, depth: number) => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && depth === 0) await visit(full, 1);
        const match = PARTIAL.exec(entry.name);
        if (!entry.isFile() || !match) continue;
        const stale = this.now() - (await fs.stat(full)).mtimeMs > STALE_MS;
        if (stale || !processAlive(Number(match[1]))) {
          await fs.rm(full, { force: true });
          removed.push(full);
        }
      }
    };
    await visit(this.dir, 0);
    return removed;
  }

  /** Create `name` (in sub-folder `folder`) under a temporary name; returns its handle. */
  async begin(request: { name: string; kind: ExportKind; folder?: string }): Promise<{ handle: string; name: string }> {
    const sweepError = await this.swept;
    if (sweepError) throw new ExportError(`could not clear unfinished exports in ${this.dir}: ${sweepError.message}`);
    const { name, kind, folder } = request;
    checkName(name, 'file');
    if (folder !== undefined) checkName(folder, 'folder');
    if (!name.toLowerCase().endsWith(`.${kind}`)) throw new ExportError(`"${name}" must end in .${kind} for a ${kind} export`);
    for (const [handle, entry] of this.open) {
      if (this.now() - entry.touched > IDLE_LIMIT_MS) await this.abort(handle);
    }
    if (this.open.size >= MAX_OPEN) throw new ExportError(`${MAX_OPEN} exports are unfinished: finish or cancel one first`);
    const dir = folder === undefined ? this.dir : path.join(this.dir, folder);
    await fs.mkdir(dir, { recursive: true });
    const temp = path.join(dir, partialName(name));
    const file = await fs.open(temp, 'wx');
    const handle = randomBytes(18).toString('base64url');
    this.open.set(handle, { file, temp, dir, name, size: 0, touched: this.now(), queue: Promise.resolve() });
    return { handle, name };
  }

  private entry(handle: string): OpenExport {
    const entry = this.open.get(handle);
    if (!entry) throw new ExportError('this export is no longer open (it finished, was cancelled or sat idle too long); start it again');
    return entry;
  }

  /** Write `bytes` at `position` (at most the current size: no holes); returns the file's size. */
  async write(handle: string, position: number, bytes: Uint8Array): Promise<{ size: number }> {
    const entry = this.entry(handle);
    entry.touched = this.now();
    const result = entry.queue.then(async () => {
      if (!Number.isSafeInteger(position) || position < 0 || position > entry.size) {
        throw new ExportError(`cannot write at byte ${position} of a ${entry.size}-byte export: writes must not leave holes`);
      }
      let done = 0;
      while (done < bytes.length) done += (await entry.file.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      entry.size = Math.max(entry.size, position + bytes.length);
      return { size: entry.size };
    });
    // The caller gets the write's error; the queue only waits for it to settle.
    entry.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Flush the file to disk and rename it to its final name (suffixed ` (2)`, ` (3)`, … when taken). */
  async finish(handle: string): Promise<FinishedExport> {
    const entry = this.entry(handle);
    this.open.delete(handle);
    await entry.queue;
    let closed = false;
    try {
      await entry.file.sync();
      await entry.file.close();
      closed = true;
      const final = await this.freePath(entry.dir, entry.name);
      await fs.rename(entry.temp, final);
      await syncFolder(entry.dir);
      return { name: path.basename(final), path: final, bytes: entry.size };
    } catch (error) {
      if (!closed) await entry.file.close();
      await fs.rm(entry.temp, { force: true });
      throw error;
    }
  }

  /** Drop an unfinished export and delete its temporary file. */
  async abort(handle: string): Promise<void> {
    const entry = this.entry(handle);
    this.open.delete(handle);
    await entry.queue;
    await entry.file.close();
    await fs.rm(entry.temp, { force: true });
  }

  /** Handles of the exports still open (for tests and shutdown). */
  openHandles(): string[] {
    return [...this.open.keys()];
  }

  private async freePath(dir: string, name: string): Promise<string> {
    const ext = path.extname(name);
    const stem = name.slice(0, name.length - ext.length);
    for (let n = 1; n <= 9999; n++) {
      const candidate = path.join(dir, n === 1 ? name : `${stem} (${n})${ext}`);
      try {
        await fs.access(candidate);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return candidate;
        throw error;
      }
    }
    throw new ExportError(`"${name}" and 9998 numbered variants already exist in ${dir}: choose another name or folder`);
  }
}
