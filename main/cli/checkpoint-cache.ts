/**
 * `npm run render -- --network ffhq.pkl`, as `gen_images.py --network` takes it: a checkpoint is
 * converted once into `<user data>/checkpoint-cache/<sha256 of the file>/` and that package is
 * reused on every later run with the same file (a renamed or moved copy included). The package is
 * written beside its final place and renamed into it, so an interrupted conversion leaves no half
 * package to be reused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CheckpointError } from '../../app/checkpoint/snapshot';
import { imagenetClassNames, readCheckpointInput, writeCheckpointPackage } from '../services/checkpoint-import';

/** The folder, under the user data folder, that holds converted checkpoints. */
export const CHECKPOINT_CACHE = 'checkpoint-cache';

/** The package folder for checkpoint `file` (converting it on first use), or null when `file` is no checkpoint. */
export async function cachedCheckpointPackage(
  file: string,
  dataDir: string,
  modelsDir: string,
  log: (line: string) => void = () => {},
): Promise<string | null> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat) return null;
  const input = await readCheckpointInput(file, stat.isDirectory(), path.basename(path.resolve(file)));
  if (!input) return null;
  const hash = createHash('sha256');
  if (input.kind === 'file') hash.update(input.bytes);
  else for (const [name, bytes] of [...input.files].sort(([a], [b]) => a.localeCompare(b))) hash.update(name).update(bytes);
  const key = hash.digest('hex');
  const dir = path.join(dataDir, CHECKPOINT_CACHE, key);
  if (await fs.stat(path.join(dir, 'manifest.json')).catch(() => null)) return dir;
  const work = `${dir}.partial-${randomBytes(6).toString('hex')}`;
  const started = Date.now();
  try {
    await writeCheckpointPackage(input, work, { imagenetClassNames: await imagenetClassNames(modelsDir) });
    await fs.rename(work, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another run converted the same file meanwhile: its package is as good as ours.
      if (!(await fs.stat(path.join(dir, 'manifest.json')).catch(() => null))) throw error;
    });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  log(`converted ${input.name} in ${((Date.now() - started) / 1000).toFixed(1)} s into ${dir}`);
  return dir;
}

/** Re-exported for the CLIs' error handling: what a refused checkpoint throws. */
export { CheckpointError };
