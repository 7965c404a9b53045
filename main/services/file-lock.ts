/**
 * A lock shared by every process on this machine that uses the same user data folder: the desktop
 * app and the browser host may run at once, and both read, change and write the same small files
 * (library.json, recent.json, the autosave). In-process queues cannot order two processes, so each
 * such change runs under an exclusive lock file created with `open(…, 'wx')`, which only one
 * process can create. A lock whose holder has died, or that is older than any change could take,
 * is broken, so a crash never wedges the library.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Raised when a lock stays held by a live process for longer than the wait allows. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** How long to wait for another process to finish before giving up (default 15 s). */
  readonly timeoutMs?: number;
  /** A lock older than this is left over, whoever holds it (default 60 s: changes take milliseconds). */
  readonly staleMs?: number;
}

interface Holder {
  pid: number;
  nonce: string;
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder recorded in `file` and the lock's age; null when the file is gone. A file still being written has no holder yet. */
async function readLock(file: string): Promise<{ holder: Holder | null; ageMs: number } | null> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(text) as Holder;
    } catch {
      holder = null; // created but not yet written: its age alone can make it stale
    }
    return { holder, ageMs: Date.now() - stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Break a stale lock: move it aside (only one breaker can), then put it back if it turned out not to be the stale one. */
async function breakLock(file: string, stale: Holder | null): Promise<void> {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process broke it first
    throw error;
  }
  const moved = await readLock(aside);
  if (moved?.holder && stale && moved.holder.nonce !== stale.nonce) {
    // A live holder took the lock between our look and our move: give it back (fails only if a third took it since).
    await fs.link(aside, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await fs.rm(aside, { force: true });
}

/**
 * Run `task` while holding the lock file `lockFile` (created beside the data it guards), waiting for
 * other processes and other callers in this one. Throws {@link LockTimeoutError} if the lock stays
 * held past `timeoutMs`.
 */
export async function withFileLock<T>(lockFile: string, task: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { timeoutMs = 15_000, staleMs = 60_000 } = options;
  const me: Holder = { pid: process.pid, nonce: randomBytes(9).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await fs.mkdir(path.dirname(lockFile), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw error;
    }
    const held = await readLock(lockFile);
    if (held === null) continue;
    if (held.ageMs > staleMs || (held.holder !== null && !alive(held.holder.pid))) {
      await breakLock(lockFile, held.holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new LockTimeoutError(
        `${path.basename(lockFile)} is held by process ${held.holder?.pid ?? '(starting)'} for more than ${Math.round(timeoutMs / 1000)} s; if no other Latent Studio is running, delete ${lockFile} and try again`,
      );
    }
    // Back off a little more each time, with jitter, so two waiters do not retry in step.
    await sleep(Math.min(50, 2 + attempt) * (0.5 + Math.random()));
  }
  try {
    return await task();
  } finally {
    const now = await readLock(lockFile);
    // Remove only our own lock: had it been broken as stale, the file is now someone else's.
    if (now?.holder?.nonce === me.nonce) await fs.rm(lockFile, { force: true });
  }
}
