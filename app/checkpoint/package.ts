/**
 * The last step of a conversion: a {@link ConvertedPackage} becomes the files of a model package
 * as the Python exporters write them — every file's sha256 and size in the manifest's `files`, the
 * source checkpoint's name and sha256 under `generator.source_file`, `manifest.json` itself — and
 * the manifest is validated with the studio's schema, so a converter's mistake is caught here
 * rather than at import.
 */
import { strToU8 } from 'fflate';
import { parseManifest, type Manifest } from '../model/manifest';
import { CheckpointError, type ConvertedPackage } from './snapshot';

/** The file a package's manifest lives in. */
export const MANIFEST_FILE = 'manifest.json';

interface Digest {
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
}

/** Lowercase hex SHA-256 of `bytes` (Web Crypto: the browser, Node and Electron all have it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: Digest } }).crypto?.subtle;
  if (!subtle) throw new CheckpointError('this runtime has no Web Crypto (crypto.subtle), which hashing the package needs');
  const hash = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The checkpoint a package was converted from, recorded in its manifest. */
export interface SourceFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** A finished package: the validated manifest and every file by name, manifest.json included. */
export interface PackageFiles {
  readonly manifest: Manifest;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/**
 * Fill the manifest's `files` (sha256 and bytes of every file), record `source`, validate the
 * manifest and check that every graph and side file it names is there. Throws
 * {@link CheckpointError} naming the problem.
 */
export async function finishPackage(converted: ConvertedPackage, source?: SourceFile): Promise<PackageFiles> {
  if (converted.files.has(MANIFEST_FILE)) throw new CheckpointError(`the converter wrote its own ${MANIFEST_FILE}; the package writer writes it`);
  const entries: Record<string, { sha256: string; bytes: number }> = {};
  for (const [name, bytes] of converted.files) entries[name] = { sha256: await sha256Hex(bytes), bytes: bytes.length };
  const generator = (converted.manifest.generator ?? {}) as Record<string, unknown>;
  const document = {
    ...converted.manifest,
    ...(source ? { generator: { ...generator, source_file: { ...source } } } : {}),
    files: entries,
  };
  let manifest: Manifest;
  try {
    manifest = parseManifest(document);
  } catch (error) {
    throw new CheckpointError(`the converted package's manifest is invalid (${(error as Error).message}); this is a converter bug — convert with the Python exporter meanwhile`);
  }
  const named = [...Object.values(manifest.graphs).map((g) => g.file), ...Object.values(manifest.side_files)];
  const absent = named.filter((name) => !converted.files.has(name));
  if (absent.length) throw new CheckpointError(`the converted package lacks ${absent.join(', ')}, which its manifest names`);
  const files = new Map(converted.files);
  files.set(MANIFEST_FILE, strToU8(`${JSON.stringify(document, null, 2)}\n`));
  return { manifest, files };
}
