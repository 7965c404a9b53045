/**
 * Importing models into the user library: a package folder, a .zip of one, or a single .onnx that
 * maps z to an image (family `plain`, finished once the user confirms its settings). Everything is
 * checked before the library changes: sizes and file counts are bounded, zip entries that point
 * outside the package are refused, every file's sha256 must match its manifest, and every graph's
 * inputs and outputs must fit the manifest (checkPackageGraphs). The package is assembled in
 * `<data>/staging/` and moved into `<data>/models/<id>/` with one rename, so a failed, interrupted
 * or cancelled import leaves the library as it was. Imports given a job id report their progress
 * and can be cancelled (import-jobs.ts) until that rename.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { MAX_DEFLATE_RATIO, MAX_ZIP_ENTRY_BYTES } from '../../app/formats/limits';
import type { ImportProgress, ImportResult, ModelEntry, PlainImportSettings } from '../../app/contract';
import { ManifestError, parseManifest, type Manifest } from '../../app/model/manifest';
import { checkPackageGraphs, OnnxFormatError, readOnnxInfo, type OnnxInfo } from '../../app/model/onnx';
import { adaptPlainInterface } from '../../app/model/onnx-rewrite';
import {
  checkPlainSettings,
  detectPlainGenerator,
  interfaceChange,
  PLAIN_GRAPH_FILE,
  plainManifest,
  PlainModelError,
  slugId,
  type PlainDetection,
} from '../../app/model/plain';
import { ImportJobs, type ImportJob } from './import-jobs';
import type { ModelLibrary } from './library';

/** Bounds on what an import may bring in. */
export interface ImportLimits {
  /** One file (an ONNX graph is a protobuf, which cannot exceed 2 GiB). */
  maxFileBytes: number;
  /** All files of one package together. */
  maxPackageBytes: number;
  /** Files a manifest may list. */
  maxFiles: number;
  /** Entries a .zip may hold (listed or not). */
  maxZipEntries: number;
  /** A .zip is read into memory whole, so it is bounded like one file. */
  maxZipBytes: number;
}

/** The limits the hosts use. */
export const IMPORT_LIMITS: ImportLimits = {
  maxFileBytes: MAX_ZIP_ENTRY_BYTES,
  maxPackageBytes: 8 * 2 ** 30,
  maxFiles: 64,
  maxZipEntries: 1024,
  maxZipBytes: 2 ** 31 - 1,
};

/** A manifest is a few KiB of JSON (w_avg included); anything this large is not one. */
const MAX_MANIFEST_BYTES = 16 * 2 ** 20;
/** Files are copied and hashed in chunks of this size; a cancel takes effect between chunks. */
const CHUNK_BYTES = 1 << 20;
/** Staged imports older than this are left over from an earlier run and removed. */
const STAGING_MAX_AGE_MS = 24 * 3600 * 1000;

/** Raised when an import is refused; the message says what is wrong and what to do. Nothing was changed. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
}

function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** A display name for a file the user gave: its last path part, without control characters. */
export function displayFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  return base.replace(/[\x00-\x1f\x7f]/g, '').slice(0, 200) || 'the file';
}

/**
 * Why a zip entry name could point outside the package, or null when it is a plain relative path:
 * `..` segments, absolute paths, backslashes (Windows separators), drive letters, NUL, empty or `.` segments.
 */
export function unsafeZipEntry(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('\\')) return 'uses a backslash, which some systems read as a folder separator';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  const segments = name.split('/');
  if (segments.at(-1) === '') segments.pop(); // a folder entry ends with "/"
  if (segments.some((s) => s === '..')) return 'climbs out of the package with ".."';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or "." path segment';
  return null;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function newId(): string {
  return randomBytes(18).toString('base64url');
}

/** A zip's entries, checked before anything is inflated. */
interface ZipListing {
  entries: UnzipFileInfo[];
  /** The folder prefix the package sits under ('' or 'name/'). */
  root: string;
}

/** Imports model packages into a {@link ModelLibrary}'s user folder. */
export class ModelImporter {
  private readonly staging: string;
  private readonly jobs = new ImportJobs();

  constructor(
    private readonly library: ModelLibrary,
    private readonly dataDir: string,
    private readonly limits: ImportLimits = IMPORT_LIMITS,
  ) {
    this.staging = path.join(dataDir, 'staging');
  }

  /** The most bytes one uploaded file may have (a .zip or a single graph). */
  get maxUploadBytes(): number {
    return Math.max(this.limits.maxZipBytes, this.limits.maxFileBytes);
  }

  /** Remove staged imports left by earlier runs (a crash mid-import, a dialog never answered). */
  async cleanStaging(now = Date.now()): Promise<void> {
    let items: string[];
    try {
      items = await fs.readdir(this.staging);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const item of items) {
      const full = path.join(this.staging, item);
      const stat = await fs.stat(full);
      if (now - stat.mtimeMs > STAGING_MAX_AGE_MS) await fs.rm(full, { recursive: true, force: true });
    }
  }

  /** The progress of the import running as `jobId`, or null when none does. */
  progress(jobId: string): ImportProgress | null {
    return this.jobs.progress(jobId);
  }

  /** Cancel the import running as `jobId`; false when none runs or it is already adding the model. */
  abort(jobId: string): boolean {
    return this.jobs.abort(jobId);
  }

  /**
   * Import what is at `source`: a package folder, a .zip of one, or a single .onnx. With `jobId`,
   * its progress can be read and it can be cancelled while it runs ({@link progress}, {@link abort}).
   */
  async importPath(source: string, jobId?: string): Promise<ImportResult> {
    const name = displayFileName(source);
    return this.jobs.run(jobId, name, async (job) => {
      let stat;
      try {
        stat = await fs.stat(source);
      } catch {
        throw new ImportError(`${name} could not be read (it was moved or deleted); choose it again`);
      }
      if (stat.isDirectory()) return { status: 'imported', model: await this.importFolder(source, job) };
      if (!stat.isFile()) throw new ImportError(`${name} is not a file or folder; choose a model folder, a .zip of one, or an .onnx file`);
      return this.importFile(source, name, stat.size, false, job);
    });
  }

  /**
   * Import bytes the browser host received: they are written to the staging folder as they arrive
   * (never more than the limit), then imported like a file. `name` is only shown and used for its
   * extension; `declaredBytes` (the request's Content-Length, 0 if none) is the progress total;
   * `jobId` as for {@link importPath}.
   */
  async importUpload(name: string, body: AsyncIterable<Uint8Array>, declaredBytes = 0, jobId?: string): Promise<ImportResult> {
    const shown = displayFileName(name);
    return this.jobs.run(jobId, shown, async (job) => {
      job.startPhase('receiving', declaredBytes);
      const dir = path.join(this.staging, newId());
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, 'upload.bin');
      let size = 0;
      const limit = this.maxUploadBytes;
      try {
        const handle = await fs.open(file, 'wx');
        try {
          for await (const chunk of body) {
            size += chunk.length;
            if (size > limit) throw new ImportError(`${shown} is larger than ${gib(limit)}, more than the studio imports; import the package folder instead`);
            await handle.write(chunk);
            await job.advance(chunk.length);
          }
        } finally {
          await handle.close();
        }
        return await this.importFile(file, shown, size, true, job);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }

  /** A file: a .zip (by name or by its signature) or a single .onnx. `owned`: the file is ours to move. */
  private async importFile(file: string, name: string, size: number, owned: boolean, job: ImportJob): Promise<ImportResult> {
    if (size === 0) throw new ImportError(`${name} is empty (0 bytes): it was not copied completely; copy it again from its source`);
    const head = Buffer.alloc(4);
    const handle = await fs.open(file, 'r');
    try {
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
    const lower = name.toLowerCase();
    if (lower.endsWith('.zip') || head.readUInt32LE(0) === 0x04034b50) {
      return { status: 'imported', model: await this.importZip(file, name, size, job) };
    }
    if (lower.endsWith('.onnx')) return this.stagePlain(file, name, size, owned);
    throw new ImportError(`${name} is not a model: import a model package folder, a .zip of one, or a single .onnx file`);
  }

  /** Copy a package folder in: only the files its manifest lists (plain files, not links), each verified. */
  private async importFolder(dir: string, job: ImportJob): Promise<ModelEntry> {
    const name = displayFileName(dir);
    let text: string;
    try {
      const manifestFile = path.join(dir, 'manifest.json');
      if ((await fs.stat(manifestFile)).size > MAX_MANIFEST_BYTES) throw new ImportError(`manifest.json in ${name} is far too large for a manifest; check the package`);
      text = await fs.readFile(manifestFile, 'utf8');
    } catch (error) {
      if (error instanceof ImportError) throw error;
      throw new ImportError(`the folder ${name} has no manifest.json, so it is not a model package; choose the package folder itself (see models/README.md)`);
    }
    const manifest = this.parseManifestText(text, name);
    const work = path.join(this.staging, newId());
    const pkg = path.join(work, 'package');
    try {
      await fs.mkdir(pkg, { recursive: true });
      await fs.writeFile(path.join(pkg, 'manifest.json'), text);
      job.startPhase('copying', packageBytes(manifest));
      for (const [file, expected] of Object.entries(manifest.files)) {
        const source = path.join(dir, file);
        const stat = await fs.lstat(source).catch(() => null);
        if (!stat || !stat.isFile()) throw new ImportError(`${file}, which manifest.json lists, is not a file in ${name}; copy the complete package folder`);
        this.checkSize(file, stat.size, expected.bytes);
        const digest = await copyHashed(source, path.join(pkg, file), job);
        this.checkDigest(file, digest, expected.sha256);
      }
      return await this.install(pkg, manifest, name, job);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /** Unpack a zipped package: every entry name is checked first; only the listed files are inflated, one at a time. */
  private async importZip(file: string, name: string, size: number, job: ImportJob): Promise<ModelEntry> {
    if (size > this.limits.maxZipBytes) {
      throw new ImportError(`${name} is ${gib(size)}, more than the ${gib(this.limits.maxZipBytes)} a .zip may be; unzip it and import the folder`);
    }
    const bytes = new Uint8Array(await fs.readFile(file));
    const { entries, root } = this.listZip(bytes, name);
    // fflate inflates an entry into a buffer of its declared size and never past it; the declared
    // sizes were bounded by listZip and checkSize, so that bounds every inflate here.
    const inflate = (entry: string): Uint8Array => {
      try {
        const out = unzipSync(bytes, { filter: (f) => f.name === entry })[entry];
        if (!out) throw new Error('the entry is missing');
        return out;
      } catch (error) {
        throw new ImportError(`${entry} in ${name} could not be unpacked (${(error as Error).message}); re-create the zip`);
      }
    };
    const manifestEntry = `${root}manifest.json`;
    if ((entries.find((e) => e.name === manifestEntry)?.originalSize ?? 0) > MAX_MANIFEST_BYTES) {
      throw new ImportError(`manifest.json in ${name} is larger than ${MAX_MANIFEST_BYTES / 2 ** 20} MiB, far more than a manifest; check the package`);
    }
    const manifestText = new TextDecoder().decode(inflate(manifestEntry));
    const manifest = this.parseManifestText(manifestText, name);
    const work = path.join(this.staging, newId());
    const pkg = path.join(work, 'package');
    try {
      await fs.mkdir(pkg, { recursive: true });
      await fs.writeFile(path.join(pkg, 'manifest.json'), manifestText);
      job.startPhase('copying', packageBytes(manifest));
      for (const [member, expected] of Object.entries(manifest.files)) {
        const info = entries.find((e) => e.name === root + member);
        if (!info) throw new ImportError(`${member}, which manifest.json lists, is not in ${name}; zip the complete package folder`);
        this.checkSize(member, info.originalSize, expected.bytes);
        job.check();
        const content = inflate(info.name);
        this.checkSize(member, content.length, expected.bytes);
        const digest = await writeHashed(content, path.join(pkg, member), job);
        this.checkDigest(member, digest, expected.sha256);
      }
      return await this.install(pkg, manifest, name, job);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /** List and check a zip's entries without inflating any: count, names (zip-slip), sizes, and where the package sits. */
  private listZip(bytes: Uint8Array, name: string): ZipListing {
    const entries: UnzipFileInfo[] = [];
    try {
      unzipSync(bytes, {
        filter: (f) => {
          // fflate walks as many entries as the directory claims; past the real ones names come out empty.
          if (f.name === '') throw new ImportError(`${name} is damaged: its zip directory is corrupt; re-create the zip`);
          entries.push(f);
          if (entries.length > this.limits.maxZipEntries) {
            throw new ImportError(`${name} holds more than ${this.limits.maxZipEntries} entries, far more than a model package; zip only the package folder`);
          }
          return false;
        },
      });
    } catch (error) {
      if (error instanceof ImportError) throw error;
      throw new ImportError(`${name} is not a readable .zip (${(error as Error).message}); re-create it from the model folder`);
    }
    let total = 0;
    for (const entry of entries) {
      const unsafe = unsafeZipEntry(entry.name);
      if (unsafe) {
        throw new ImportError(
          `${name} was refused: its entry "${entry.name}" ${unsafe}, so it could write outside the model's folder. Nothing was imported; re-create the zip from the model folder`,
        );
      }
      const ratioOk = entry.compression === 0 ? entry.originalSize === entry.size : entry.originalSize <= entry.size * MAX_DEFLATE_RATIO + 1024;
      if ((entry.compression !== 0 && entry.compression !== 8) || !ratioOk) {
        throw new ImportError(`${name}: the entry "${entry.name}" has impossible sizes or an unsupported compression; re-create the zip`);
      }
      total += entry.originalSize;
    }
    if (total > this.limits.maxPackageBytes) {
      throw new ImportError(`${name} unpacks to ${gib(total)}, more than the ${gib(this.limits.maxPackageBytes)} a package may be`);
    }
    // macOS adds resource forks under __MACOSX/ when it zips a folder; they are not part of the package.
    const names = entries.map((e) => e.name).filter((n) => !n.startsWith('__MACOSX/'));
    if (names.includes('manifest.json')) return { entries, root: '' };
    const tops = new Set(names.map((n) => n.split('/')[0]));
    const [top] = tops;
    if (tops.size === 1 && names.includes(`${top}/manifest.json`)) return { entries, root: `${top}/` };
    throw new ImportError(`${name} holds no manifest.json at its top level or in one folder, so it is not a model package; zip the package folder itself`);
  }

  private parseManifestText(text: string, source: string): Manifest {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ImportError(`manifest.json in ${source} is not valid JSON (${(error as Error).message}); fix it or re-export the package`);
    }
    let manifest: Manifest;
    try {
      manifest = parseManifest(json);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      throw new ImportError(`${source}: ${error.message}; fix the manifest (see models/README.md) and import again`);
    }
    const files = Object.entries(manifest.files);
    if (files.length > this.limits.maxFiles) {
      throw new ImportError(`${source}: manifest.json lists ${files.length} files; a package may have at most ${this.limits.maxFiles}`);
    }
    const total = packageBytes(manifest);
    if (total > this.limits.maxPackageBytes) throw new ImportError(`${source} is ${gib(total)}, more than the ${gib(this.limits.maxPackageBytes)} a package may be`);
    const existing = this.library.entry(manifest.id);
    if (existing) {
      throw new ImportError(
        `${source}: the library already has a model with the id "${manifest.id}" ("${existing.name}"); delete that one first, or give this package another id in its manifest.json`,
      );
    }
    return manifest;
  }

  private checkSize(file: string, actual: number, expected: number): void {
    if (actual > this.limits.maxFileBytes) throw new ImportError(`${file} is ${gib(actual)}, more than the ${gib(this.limits.maxFileBytes)} one file may be`);
    if (actual !== expected) {
      throw new ImportError(`${file} is ${actual} bytes but manifest.json says ${expected}: the copy is incomplete or the manifest is stale; copy the package again`);
    }
  }

  private checkDigest(file: string, actual: string, expected: string): void {
    if (actual !== expected) {
      throw new ImportError(`${file} does not match the sha256 in manifest.json (it is damaged or was changed after export); copy the package again`);
    }
  }

  /**
   * Read every graph of a staged package, check it against the manifest, then move the package into
   * the library. A cancel is honoured up to that move (`job`: absent for a confirmed single file,
   * which the user already chose to finish).
   */
  private async install(pkg: string, manifest: Manifest, origin: string, job?: ImportJob): Promise<ModelEntry> {
    const infos: Record<string, OnnxInfo> = {};
    for (const [key, spec] of Object.entries(manifest.graphs)) {
      infos[key] = readGraph(new Uint8Array(await fs.readFile(path.join(pkg, spec.file))), spec.file);
    }
    const problems = checkPackageGraphs(manifest, infos);
    if (problems.length > 0) {
      throw new ImportError(`${origin}: its graphs do not match manifest.json — ${problems.join(' ')} Fix the manifest or re-export the graphs`);
    }
    const models = this.library.userModelsDir;
    if (!models) throw new ImportError('this studio has no user library to import into; restart it');
    const target = path.join(models, manifest.id);
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (await fs.stat(target).catch(() => null)) {
      throw new ImportError(`a folder for "${manifest.id}" already exists in the library; delete that model first`);
    }
    job?.commit();
    await fs.rename(pkg, target);
    return this.library.addImported(manifest.id, {
      name: manifest.name,
      importedAt: new Date().toISOString(),
      origin,
      files: manifest.files,
    });
  }

  /** A single .onnx: read its interface and keep it staged until the user confirms the settings. */
  private async stagePlain(file: string, name: string, size: number, owned: boolean): Promise<ImportResult> {
    if (size > this.limits.maxFileBytes) throw new ImportError(`${name} is ${gib(size)}, more than the ${gib(this.limits.maxFileBytes)} one graph may be`);
    const bytes = new Uint8Array(await fs.readFile(file));
    const detection = detectOrRefuse(readGraph(bytes, name), name);
    const stagingId = newId();
    const dir = path.join(this.staging, stagingId);
    await fs.mkdir(dir, { recursive: true });
    if (owned) await fs.rename(file, path.join(dir, 'source.onnx'));
    else await fs.writeFile(path.join(dir, 'source.onnx'), bytes);
    await fs.writeFile(path.join(dir, 'staged.json'), JSON.stringify({ fileName: name, detection }));
    const { zDim, resolution, channels, inputName, outputName } = detection;
    return { status: 'needs-settings', stagingId, fileName: name, detected: { zDim, resolution, channels, inputName, outputName } };
  }

  /** Finish a staged single-file import with the user's settings. */
  async confirm(stagingId: string, settings: PlainImportSettings): Promise<ModelEntry> {
    const dir = path.join(this.staging, stagingId);
    let staged: { fileName: string; detection: PlainDetection };
    try {
      staged = JSON.parse(await fs.readFile(path.join(dir, 'staged.json'), 'utf8')) as typeof staged;
    } catch {
      throw new ImportError('this import was cancelled or has expired; import the .onnx file again');
    }
    const { fileName, detection } = staged;
    try {
      checkPlainSettings(detection, settings);
    } catch (error) {
      if (!(error instanceof PlainModelError)) throw error;
      throw new ImportError(`${fileName}: ${error.message}`);
    }
    const original = new Uint8Array(await fs.readFile(path.join(dir, 'source.onnx')));
    let bytes: Uint8Array;
    try {
      bytes = adaptPlainInterface(original, interfaceChange(detection, settings));
    } catch (error) {
      if (!(error instanceof OnnxFormatError)) throw error;
      throw new ImportError(`${fileName}: ${error.message}`);
    }
    const id = this.freeId(slugId(settings.name));
    const manifest = plainManifest(id, settings, { sha256: sha256(bytes), bytes: bytes.length }, { fileName, detection });
    const pkg = path.join(dir, 'package');
    await fs.mkdir(pkg, { recursive: true });
    await fs.writeFile(path.join(pkg, PLAIN_GRAPH_FILE), bytes);
    await fs.writeFile(path.join(pkg, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      return await this.install(pkg, manifest, fileName);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Drop a staged import. */
  async cancel(stagingId: string): Promise<void> {
    await fs.rm(path.join(this.staging, stagingId), { recursive: true, force: true });
  }

  /** `base`, or `base-2`, `base-3`, … — the first id no listed model has. */
  private freeId(base: string): string {
    let id = base;
    for (let n = 2; this.library.entry(id); n++) id = `${base}-${n}`;
    return id;
  }
}

/** readOnnxInfo, refusing external weights (the studio streams one file per graph). */
function readGraph(bytes: Uint8Array, name: string): OnnxInfo {
  let info: OnnxInfo;
  try {
    info = readOnnxInfo(bytes, name);
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    throw new ImportError(error.message);
  }
  if (info.externalFiles.length > 0) {
    throw new ImportError(
      `${name} keeps its weights in separate files (${info.externalFiles.join(', ')}), which the studio cannot stream; re-export it with the weights inside the .onnx`,
    );
  }
  return info;
}

function detectOrRefuse(info: OnnxInfo, name: string): PlainDetection {
  try {
    return detectPlainGenerator(info, name);
  } catch (error) {
    if (!(error instanceof PlainModelError)) throw error;
    throw new ImportError(error.message);
  }
}

/** The bytes of every file a manifest lists: what the copying phase counts up to. */
function packageBytes(manifest: Manifest): number {
  return Object.values(manifest.files).reduce((n, f) => n + f.bytes, 0);
}

/** Copy `from` to `to` (a new file) in chunks counted into `job`, returning the sha256 of what was copied. */
async function copyHashed(from: string, to: string, job: ImportJob): Promise<string> {
  const hash = createHash('sha256');
  const out = await fs.open(to, 'wx');
  try {
    for await (const chunk of createReadStream(from, { highWaterMark: CHUNK_BYTES })) {
      hash.update(chunk as Buffer);
      await out.write(chunk as Buffer);
      await job.advance((chunk as Buffer).length);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

/** Write `bytes` to `to` (a new file) in chunks counted into `job`, returning their sha256. */
async function writeHashed(bytes: Uint8Array, to: string, job: ImportJob): Promise<string> {
  const hash = createHash('sha256');
  const out = await fs.open(to, 'wx');
  try {
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
      hash.update(chunk);
      await out.write(chunk);
      await job.advance(chunk.length);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}
