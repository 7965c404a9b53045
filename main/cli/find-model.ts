/**
 * Which model `--network` names: a package folder, or an id the studio's own library lists (the
 * bundled models, the test fixtures, and the models the user imported into the data folder), found
 * through the same ModelLibrary the hosts use, so a model imported in the studio renders here too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ManifestError, type Manifest } from '../../app/model/manifest';
import { readManifest } from '../services/library';
import { CliError } from './options';

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

/** The package folder and manifest for `--network`: a folder with manifest.json, or an id among the models folders. */
export async function findModel(network: string, modelsDir: string): Promise<{ dir: string; manifest: Manifest }> {
  if (await isFile(path.join(network, 'manifest.json'))) {
    try {
      return { dir: path.resolve(network), manifest: await readManifest(network) };
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      throw new CliError(`--network ${network}: ${error.message}`);
    }
  }
  const ids: string[] = [];
  const broken: string[] = [];
  for (const parent of [modelsDir, path.join(modelsDir, 'fixtures')]) {
    let entries: string[];
    try {
      entries = (await fs.readdir(parent, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(parent, d.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const dir of entries.sort()) {
      if (!(await isFile(path.join(dir, 'manifest.json')))) continue;
      try {
        const manifest = await readManifest(dir);
        if (manifest.id === network) return { dir, manifest };
        ids.push(manifest.id);
      } catch (error) {
        broken.push(`${dir} (${(error as Error).message})`);
      }
    }
  }
  const known = ids.length > 0 ? `known ids: ${ids.join(', ')}` : `no model packages in ${modelsDir}`;
  const skipped = broken.length > 0 ? `; unreadable packages: ${broken.join('; ')}` : '';
  throw new CliError(`--network ${network}: no such model package folder or model id (${known}${skipped})`);
}
