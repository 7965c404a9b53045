/**
 * Importing models into the user library: a package folder, a .zip of one, or a single .onnx that
 * maps z to an image (family `plain`, finished once the user confirms its settings). Everything is
 * checked before the library changes: sizes and file counts are bounded, zip entries that point
 * outside the package are refused, every file's sha256 must match its manifest, and every graph's
 * inputs and outputs must fit the manifest (checkPackageGraphs; checkStageGraph for image2image
 * stage packages, which are imported the same way and listed as stages). The package is assembled in
 * `<data>/staging/` and moved into `<data>/models/<id>/` with one rename, so a failed, interrupted
 * or cancelled import leaves the library as it was. Imports given a job id report their progress
 * and can be cancelled (import-jobs.ts) until that rename.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { ImportProgress, ImportResult, ModelEntry, PlainImportSettings, StageEntry } from '../../app/contract/channels';
import { ManifestError, parseManifest } from '../../app/model/manifest';
import { checkStageGraph, isStageManifestJson, parseStageManifest, STAGE_GRAPH } from '../../app/model/stage-manifest';
import { checkPackageGraphs, fp16GraphKey, OnnxFormatError, type OnnxInfo } from '../../app/model/onnx';
import { adaptPlainInterface } from '../../app/model/onnx-rewrite';
import {
  checkPlainSettings,
  interfaceChange,
  PLAIN_GRAPH_FILE,
  plainManifest,
  PlainModelError,
  slugId,
  type PlainDetection,
} from '../../app/model/plain';
import { CheckpointError } from '../../app/checkpoint/snapshot';
import type { CheckpointInput } from '../../app/checkpoint/convert';
import { imagenetClassNames, readCheckpointInput, writeCheckpointPackage } from './checkpoint-import';
import { copyHashed, packageBytes, sha256, writeHashed } from './import-copy';
import { ImportJobs, type ImportJob } from './import-jobs';
import { displayFileName, gib, IMPORT_LIMITS, ImportError, type ImportLimits } from './import-limits';
import { detectOrRefuse, readGraph } from './import-plain';
import { listZip } from './import-zip';
import type { ModelLibrary, PackageManifest } from './library';

export { displayFileName, IMPORT_LIMITS, ImportError, type ImportLimits } from './import-limits';
export { unsafeZipEntry } from './import-zip';

/** A manifest is a few KiB of JSON (w_avg included); anything this large is not one. */
const MAX_MANIFEST_BYTES = 16 * 2 ** 20;
/** Staged imports older than this are left over from an earlier run and removed. */
const STAGING_MAX_AGE_MS = 24 * 3600 * 1000;

function newId(): string {
  return randomBytes(18).toString('base64url');
}

/** The import result of an installed package: a model, or an image2image stage. */
function imported(entry: ModelEntry | StageEntry): ImportResult {
  return 'family' in entry ? { status: 'imported', model: entry } : { status: 'imported-stage', stage: entry };
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
      if (stat.isDirectory()) {
        const checkpoint = await this.checkpointAt(source, true, name);
        if (checkpoint) return this.importCheckpoint(checkpoint, name, job);
        return imported(await this.importFolder(source, job));
      }
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

  /**
   * Import a package the host makes itself (a blend): `make` writes it into the folder it is given,
   * reporting its progress on the job; the folder is then imported like any package folder, so it
   * is verified the same way. `jobId` as for {@link importPath}.
   */
  async importMade(name: string, jobId: string | undefined, make: (dir: string, job: ImportJob) => Promise<void>): Promise<ModelEntry> {
    return this.jobs.run(jobId, name, async (job) => {
      const work = path.join(this.staging, newId());
      try {
        await fs.mkdir(work, { recursive: true });
        await make(work, job);
        const made = await this.importFolder(work, job, name);
        // A blend is always a generator; a stage here would mean `make` wrote the wrong manifest.
        if (!('family' in made)) throw new ImportError(`${name} came out as an image-to-image stage, not a model; this is a bug in the studio, please report it`);
        return made;
      } finally {
        await fs.rm(work, { recursive: true, force: true });
      }
    });
  }

  /** A file: a .zip (by name or by its signature) or a single .onnx. `owned`: the file is ours to move. */
  private async importFile(file: string, name: string, size: number, owned: boolean, job: ImportJob): Promise<ImportResult> {
    if (size === 0) throw new ImportError(`${name} is empty (0 bytes): it was not copied completely; copy it again from its source`);
    const checkpoint = await this.checkpointAt(file, false, name);
    if (checkpoint) return this.importCheckpoint(checkpoint, name, job);
    const head = Buffer.alloc(4);
    const handle = await fs.open(file, 'r');
    try {
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
    const lower = name.toLowerCase();
    if (lower.endsWith('.zip') || head.readUInt32LE(0) === 0x04034b50) {
      return imported(await this.importZip(file, name, size, job));
    }
    if (lower.endsWith('.onnx')) return this.stagePlain(file, name, size, owned);
    throw new ImportError(`${name} is not a model: import a model package folder, a .zip of one, or a single .onnx file`);
  }

  /** `source` as a checkpoint to convert, or null when it is a package, a zip of one or an .onnx. */
  private async checkpointAt(source: string, isDirectory: boolean, name: string): Promise<CheckpointInput | null> {
    try {
      return await readCheckpointInput(source, isDirectory, name);
    } catch (error) {
      if (error instanceof CheckpointError) throw new ImportError(`${name} could not be read as a checkpoint: ${error.message}`);
      throw error;
    }
  }

  /**
   * A checkpoint (.pkl, BigGAN folder or a zip of one): converted into a staged package folder,
   * then imported like any package folder, so it is verified the same way; the library lists it
   * under the checkpoint's name, and its manifest records the checkpoint's sha256.
   */
  private async importCheckpoint(input: CheckpointInput, name: string, job: ImportJob): Promise<ImportResult> {
    const work = path.join(this.staging, newId());
    try {
      job.startPhase('converting', 1000);
      await writeCheckpointPackage(input, work, {
        // Throws ImportCancelledError out of the converter, which then ends like any cancelled import.
        cancelled: () => {
          job.check();
          return false;
        },
        onProgress: (fraction) => job.setDone(fraction * 1000),
        imagenetClassNames: await imagenetClassNames(this.library.bundledDir),
      });
      return imported(await this.importFolder(work, job, name));
    } catch (error) {
      if (error instanceof CheckpointError) throw new ImportError(`${name} could not be converted: ${error.message}`);
      throw error;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /** Copy a package folder in: only the files its manifest lists (plain files, not links), each verified. */
  private async importFolder(dir: string, job: ImportJob, origin = displayFileName(dir)): Promise<ModelEntry | StageEntry> {
    const name = origin;
    let text: string;
    try {
      const manifestFile = path.join(dir, 'manifest.json');
      if ((await fs.stat(manifestFile)).size > MAX_MANIFEST_BYTES) throw new ImportError(`manifest.json in ${name} is far too large for a manifest; check the package`);
      text = await fs.readFile(manifestFile, 'utf8');
    } catch (error) {
      if (error instanceof ImportError) throw error;
      throw new ImportError(`the folder ${name} has no manifest.json, so it is not a model package; choose the package folder itself (see models/README.md)`);
    }
    const read = this.parseManifestText(text, name);
    const manifest = read.manifest;
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
      return await this.install(pkg, read, name, job);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /** Unpack a zipped package: every entry name is checked first; only the listed files are inflated, one at a time. */
  private async importZip(file: string, name: string, size: number, job: ImportJob): Promise<ModelEntry | StageEntry> {
    if (size > this.limits.maxZipBytes) {
      throw new ImportError(`${name} is ${gib(size)}, more than the ${gib(this.limits.maxZipBytes)} a .zip may be; unzip it and import the folder`);
    }
    const bytes = new Uint8Array(await fs.readFile(file));
    const { entries, root } = listZip(bytes, name, this.limits);
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
    const read = this.parseManifestText(manifestText, name);
    const manifest = read.manifest;
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
      return await this.install(pkg, read, name, job);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  private parseManifestText(text: string, source: string): PackageManifest {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ImportError(`manifest.json in ${source} is not valid JSON (${(error as Error).message}); fix it or re-export the package`);
    }
    let read: PackageManifest;
    try {
      read = isStageManifestJson(json) ? { kind: 'stage', manifest: parseStageManifest(json) } : { kind: 'model', manifest: parseManifest(json) };
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      throw new ImportError(`${source}: ${error.message}; fix the manifest (see models/README.md) and import again`);
    }
    const manifest = read.manifest;
    const files = Object.entries(manifest.files);
    if (files.length > this.limits.maxFiles) {
      throw new ImportError(`${source}: manifest.json lists ${files.length} files; a package may have at most ${this.limits.maxFiles}`);
    }
    const total = packageBytes(manifest);
    if (total > this.limits.maxPackageBytes) throw new ImportError(`${source} is ${gib(total)}, more than the ${gib(this.limits.maxPackageBytes)} a package may be`);
    const existing = this.library.entry(manifest.id) ?? this.library.stageEntry(manifest.id);
    if (existing) {
      throw new ImportError(
        `${source}: the library already has a model with the id "${manifest.id}" ("${existing.name}"); delete that one first, or give this package another id in its manifest.json`,
      );
    }
    return read;
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
  private async install(pkg: string, read: PackageManifest, origin: string, job?: ImportJob): Promise<ModelEntry | StageEntry> {
    const manifest = read.manifest;
    const infos: Record<string, OnnxInfo> = {};
    for (const [key, spec] of Object.entries(manifest.graphs)) {
      infos[key] = readGraph(new Uint8Array(await fs.readFile(path.join(pkg, spec.file))), spec.file);
      // A float16 twin is checked like its graph, and against it: WebGPU may load it in its place.
      if (spec.fp16) infos[fp16GraphKey(key)] = readGraph(new Uint8Array(await fs.readFile(path.join(pkg, spec.fp16.file))), spec.fp16.file);
    }
    const problems = read.kind === 'stage' ? checkStageGraph(read.manifest, infos[STAGE_GRAPH]!) : checkPackageGraphs(read.manifest, infos);
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
      return (await this.install(pkg, { kind: 'model', manifest }, fileName)) as ModelEntry;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Drop a staged import. */
  async cancel(stagingId: string): Promise<void> {
    await fs.rm(path.join(this.staging, stagingId), { recursive: true, force: true });
  }

  /** `base`, or `base-2`, `base-3`, … — the first id no listed model has. */
  freeId(base: string): string {
    let id = base;
    for (let n = 2; this.library.entry(id); n++) id = `${base}-${n}`;
    return id;
  }
}

