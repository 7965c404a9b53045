/**
 * A valid model package large enough to watch an import's progress and cancel it mid-copy: the
 * fixture package plus a listed side file of random bytes (manifests may list files no graph
 * reads). The padding is listed first, so the copy spends most of its time inside one big file.
 * Unit tests and e2e specs share it; nothing is committed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { fixtureFiles, type ManifestJson } from './model-corpus';

/** The padding file's name inside the package. */
export const PADDING_FILE = 'padding.bin';

/** Every file of a padded package (manifest.json included), under the given id and name. */
export function paddedPackageFiles(options: { id: string; name: string; paddingBytes: number }): Record<string, Uint8Array> {
  const files = fixtureFiles();
  const padding = new Uint8Array(randomBytes(options.paddingBytes));
  const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as ManifestJson;
  manifest.id = options.id;
  manifest.name = options.name;
  manifest.files = { [PADDING_FILE]: { sha256: createHash('sha256').update(padding).digest('hex'), bytes: padding.length }, ...manifest.files };
  return { ...files, 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)), [PADDING_FILE]: padding };
}

/** The padded package as a .zip (stored, not deflated: random bytes do not compress). */
export function paddedPackageZip(options: { id: string; name: string; paddingBytes: number }): Uint8Array {
  const zippable: Zippable = {};
  for (const [name, bytes] of Object.entries(paddedPackageFiles(options))) zippable[name] = bytes;
  return zipSync(zippable, { level: 0 });
}
