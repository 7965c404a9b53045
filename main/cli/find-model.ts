/**
 * Which model `--network` names: a checkpoint (converted into a cache), a package folder, or an id the studio's own library lists (the
 * bundled models, the test fixtures, and the models the user imported into the data folder), found
 * through the same ModelLibrary the hosts use, so a model imported in the studio renders here too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ManifestError, type Manifest } from '../../app/model/manifest';
import { userDataDir } from '../services/directions';
import { ModelLibrary, readManifest } from '../services/library';
import { cachedCheckpointPackage, CheckpointError } from './checkpoint-cache';
import { CliError } from './options';

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

/**
 * The package folder and manifest for `--network`: a folder with manifest.json, or the id of a
 * model the studio lists (`modelsDir`'s bundled models and fixtures, and the library in `dataDir`).
 */
export async function findModel(network: string, modelsDir: string, dataDir = userDataDir()): Promise<{ dir: string; manifest: Manifest }> {
  // A checkpoint (.pkl, BigGAN folder) is converted once into the data folder's cache.
  const converted = await cachedCheckpointPackage(network, dataDir, modelsDir, (line) => process.stderr.write(`${line}\n`)).catch((error: unknown) => {
    if (error instanceof CheckpointError) throw new CliError(`--network ${network}: ${error.message}`);
    throw error;
  });
  if (converted) return { dir: converted, manifest: await readManifest(converted) };
  if (await isFile(path.join(network, 'manifest.json'))) {
    try {
      return { dir: path.resolve(network), manifest: await readManifest(network) };
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      throw new CliError(`--network ${network}: ${error.message}`);
    }
  }
  // The hosts' own library: bundled models, the fixtures (as the CLI always listed them) and the
  // user's imported models, whose index and folders only the library knows how to read.
  const library = new ModelLibrary({ bundledDir: modelsDir, includeFixtures: true, dataDir });
  const entries = await library.scan();
  const dir = library.packageDir(network);
  const entry = library.entry(network);
  if (dir && entry) return { dir, manifest: entry.manifest };
  const ids = entries.map((e) => e.id);
  const broken = library.problems.map((p) => `${p.dir} (${p.message})`);
  const known = ids.length > 0 ? `known ids: ${ids.join(', ')}` : `no model packages in ${modelsDir} or your library`;
  const skipped = broken.length > 0 ? `; unreadable packages: ${broken.join('; ')}` : '';
  throw new CliError(`--network ${network}: no such model package folder or model id (${known}${skipped})`);
}
