/**
 * The bridge between the Python-generated converter fixtures (test-support/stylegan3_snapshot.py:
 * a state dict as .npz plus the recorded constructor arguments and module attributes) and the
 * TypeScript converters: a {@link NetworkSnapshot} as a checkpoint reader would hand it over, and a
 * converted package written to a folder with the `files` entries the package writer fills, so the
 * studio's own loaders can open it.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseNpz } from '../app/codecs/npz';
import type { ConvertedPackage, ModuleRecord, NetworkSnapshot, StoredTensor } from '../app/checkpoint/snapshot';

interface SnapshotJson {
  className: string;
  moduleName?: string;
  initArgs: unknown[];
  initKwargs: Record<string, unknown>;
  modules: ModuleRecord[];
}

/** Read `<dir>/state.npz` and `<dir>/snapshot.json` as a {@link NetworkSnapshot}. */
export function loadSnapshotFixture(dir: string): NetworkSnapshot {
  const doc = JSON.parse(readFileSync(path.join(dir, 'snapshot.json'), 'utf8')) as SnapshotJson;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, array] of parseNpz(new Uint8Array(readFileSync(path.join(dir, 'state.npz'))))) {
    tensors.set(name, { shape: array.shape, dtype: 'float32', data: array.data });
  }
  return {
    className: doc.className,
    ...(doc.moduleName !== undefined ? { moduleName: doc.moduleName } : {}),
    initArgs: doc.initArgs,
    initKwargs: doc.initKwargs,
    tensors,
    modules: new Map(doc.modules.map((m) => [m.path, m])),
  };
}

/** Write `pkg` into `dir` with manifest.json's `files` filled (sha256 and size of every file), as the package writer does. */
export async function writePackageFolder(dir: string, pkg: ConvertedPackage): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const files: Record<string, { sha256: string; bytes: number }> = {};
  for (const [name, bytes] of pkg.files) {
    await fs.writeFile(path.join(dir, name), bytes);
    files[name] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  }
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...pkg.manifest, files }, null, 2) + '\n');
}
