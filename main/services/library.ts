/**
 * The model library: finds model packages on disk — bundled ones and those the user imported into
 * `<data>/models/<id>/` — validates their manifests and resolves the files a renderer may stream.
 * The user's part has an index (library-index.ts) for names and verified sha256s; renaming and
 * deleting go through here. Image-to-image stage packages (family image2image) are listed apart
 * from the generators: they share the folders, the index and the file serving, but never open as
 * a model. Plain Node; both hosts (Electron and the browser host) use it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseManifest, ManifestError, type Manifest } from '../../app/model/manifest';
import type { ModelEntry, StageEntry } from '../../app/contract/channels';
import { isStageManifestJson, parseStageManifest, type StageManifest } from '../../app/model/stage-manifest';
import { modelBaseUrl } from '../../app/contract/routes';
import { loadNoiseConst, type NoiseConst } from '../../app/inference/synthesis-inputs';
import { withFileLock } from './file-lock';
import { readIndex, writeIndex, LIBRARY_INDEX_FORMAT, type IndexEntry, type LibraryIndex } from './library-index';

/** The model the studio opens first when it is available. */
export const DEFAULT_MODEL_ID = 'emoji-stylegan';

/** Where the library looks for packages. */
export interface LibraryOptions {
  /** Folder holding bundled packages, one sub-folder each (the repo's models/ or the app resources). */
  bundledDir: string;
  /** Also list the test fixtures in `<bundledDir>/fixtures` (tests, or before any demo model exists). */
  includeFixtures?: boolean;
  /** The user data folder holding imported models (`models/`, `library.json`, `trash/`); omitted: bundled models only. */
  dataDir?: string;
  /**
   * How a deleted model's folder is thrown away (Electron: the system trash); resolves to where it
   * went, for the user. Default: moved into `<dataDir>/trash/`.
   */
  trash?: (dir: string) => Promise<string>;
}

/** Raised for a library request that cannot be done (unknown model, bundled model); the message says why. */
export class LibraryError extends Error {
  override readonly name = 'LibraryError';
}

interface Located {
  entry: ModelEntry;
  dir: string;
}

interface LocatedStage {
  entry: StageEntry;
  dir: string;
}

/** The longest display name a model may have. */
export const MAX_MODEL_NAME = 200;

/** A package that could not be listed, with the reason (shown to the user, never swallowed). */
export interface LibraryProblem {
  dir: string;
  message: string;
}

/** A package's const noise from `<dir>` (null when it has no noise inputs), for createPipeline. */
export function readNoiseConst(dir: string, manifest: Manifest): Promise<NoiseConst | null> {
  return loadNoiseConst(manifest, async (file) => new Uint8Array(await fs.readFile(path.join(dir, file))));
}

async function readManifestJson(dir: string): Promise<unknown> {
  const raw = await fs.readFile(path.join(dir, 'manifest.json'), 'utf8');
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ManifestError('', `is not valid JSON (${(error as Error).message})`);
  }
}

/** Read and validate `<dir>/manifest.json`; throws {@link ManifestError} naming the bad field. */
export async function readManifest(dir: string): Promise<Manifest> {
  return parseManifest(await readManifestJson(dir));
}

/** A package's manifest of either kind: a generator's or an image2image stage's. */
export type PackageManifest = { kind: 'model'; manifest: Manifest } | { kind: 'stage'; manifest: StageManifest };

/** Read and validate `<dir>/manifest.json` as a generator or a stage, by its family. */
export async function readPackageManifest(dir: string): Promise<PackageManifest> {
  const json = await readManifestJson(dir);
  return isStageManifestJson(json) ? { kind: 'stage', manifest: parseStageManifest(json) } : { kind: 'model', manifest: parseManifest(json) };
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const items = await fs.readdir(dir, { withFileTypes: true });
    return items.filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function hasManifest(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, 'manifest.json'));
    return true;
  } catch {
    return false;
  }
}

/** Lists model packages and maps model file requests to paths inside their package folders. */
export class ModelLibrary {
  private located = new Map<string, Located>();
  private locatedStages = new Map<string, LocatedStage>();
  /** Index changes run one at a time, in order (imports, renames and deletes can overlap); other processes wait on the lock file. */
  private indexQueue: Promise<unknown> = Promise.resolve();
  /** Packages found but refused at the last scan, and repairs made to the index. */
  problems: LibraryProblem[] = [];

  constructor(private readonly options: LibraryOptions) {}

  /** The folder of the models shipped with the studio (models/ beside it, with its tools/ in a checkout). */
  get bundledDir(): string {
    return this.options.bundledDir;
  }

  /** The folder imported packages live in, one sub-folder per model id; null without a data folder. */
  get userModelsDir(): string | null {
    return this.options.dataDir ? path.join(this.options.dataDir, 'models') : null;
  }

  private get indexFile(): string {
    return path.join(this.requireDataDir(), 'library.json');
  }

  private requireDataDir(): string {
    if (!this.options.dataDir) throw new LibraryError('this studio has no user library (no data folder was given)');
    return this.options.dataDir;
  }

  /** Rescan the folders; returns the entries in display order (bundled first, then the user's by name). */
  async scan(): Promise<ModelEntry[]> {
    const bundled = (await subfolders(this.options.bundledDir)).filter((d) => path.basename(d) !== 'fixtures');
    const withManifest = [];
    for (const dir of bundled) if (await hasManifest(dir)) withManifest.push(dir);
    const fixtures = await subfolders(path.join(this.options.bundledDir, 'fixtures'));
    const dirs = this.options.includeFixtures || withManifest.length === 0 ? [...withManifest, ...fixtures] : withManifest;

    // Build the new listing aside and swap it in at the end: files stay servable while a scan runs.
    const located = new Map<string, Located>();
    const stages = new Map<string, LocatedStage>();
    const problems: LibraryProblem[] = [];
    for (const dir of dirs) {
      if (!(await hasManifest(dir))) continue;
      try {
        const read = await readPackageManifest(dir);
        const id = read.manifest.id;
        const other = located.get(id)?.dir ?? stages.get(id)?.dir;
        if (other) throw new Error(`duplicate model id "${id}" (also in ${other})`);
        if (read.kind === 'stage') stages.set(id, { entry: stageEntryFor(read.manifest, 'bundled', read.manifest.name), dir });
        else located.set(id, { entry: this.entryFor(read.manifest, 'bundled', read.manifest.name), dir });
      } catch (error) {
        problems.push({ dir, message: (error as Error).message });
      }
    }
    if (this.userModelsDir) await this.enqueue(() => this.scanUser(located, stages, problems));
    this.located = located;
    this.locatedStages = stages;
    this.problems = problems;
    return [...located.values()].map((l) => l.entry);
  }

  /** The id to open first: the demo model when present, else the first listed. */
  defaultModelId(): string | null {
    if (this.located.has(DEFAULT_MODEL_ID)) return DEFAULT_MODEL_ID;
    return this.located.keys().next().value ?? null;
  }

  /** The listed entry of `id` (after a scan), or undefined. */
  entry(id: string): ModelEntry | undefined {
    return this.located.get(id)?.entry;
  }

  /** The image2image stages found at the last scan, in display order (bundled first). */
  stages(): StageEntry[] {
    return [...this.locatedStages.values()].map((l) => l.entry);
  }

  /** The listed stage `id` (after a scan), or undefined. */
  stageEntry(id: string): StageEntry | undefined {
    return this.locatedStages.get(id)?.entry;
  }

  private anyLocated(id: string): Located | LocatedStage | undefined {
    return this.located.get(id) ?? this.locatedStages.get(id);
  }

  /**
   * Resolve a request for one of a model's files to a path on disk. Only files the manifest lists
   * are served, so neither `..` nor any other name can reach outside the package.
   */
  resolveFile(modelId: string, fileName: string): string | null {
    const located = this.anyLocated(modelId);
    if (!located) return null;
    if (!Object.hasOwn(located.entry.manifest.files, fileName)) return null;
    const full = path.resolve(located.dir, fileName);
    if (path.dirname(full) !== path.resolve(located.dir)) return null;
    return full;
  }

  /** The folder of a listed model, bundled or imported (after a scan), for runtimes that read it from disk; null when not listed. */
  packageDir(id: string): string | null {
    return this.anyLocated(id)?.dir ?? null;
  }

  /** The folder of an imported model, for revealing it to the user; throws {@link LibraryError} for others. */
  userModelDir(id: string): string {
    const located = this.anyLocated(id);
    if (!located || located.entry.source !== 'library') throw new LibraryError(`"${id}" is not a model in your library`);
    return located.dir;
  }

  /**
   * Record a package the importer has just moved into `<data>/models/<id>/` (its files verified),
   * then rescan. Returns its entry.
   */
  async addImported(id: string, record: IndexEntry): Promise<ModelEntry | StageEntry> {
    await this.enqueue(async () => {
      const index = await this.loadIndex();
      index.models[id] = record;
      await writeIndex(this.indexFile, index);
    });
    await this.scan();
    const entry = this.entry(id) ?? this.stageEntry(id);
    if (!entry) {
      const why = this.problems.find((p) => path.basename(p.dir) === id)?.message ?? 'it was not found after the import';
      throw new LibraryError(`the imported model "${id}" could not be listed: ${why}`);
    }
    return entry;
  }

  /** Give an imported model a new display name; its id and files stay. */
  async rename(id: string, name: string): Promise<ModelEntry> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > MAX_MODEL_NAME) throw new LibraryError(`a model name needs 1–${MAX_MODEL_NAME} characters`);
    if (this.locatedStages.has(id)) throw new LibraryError(`"${id}" is an image-to-image stage; stages keep the name in their manifest`);
    this.userModelDir(id);
    await this.enqueue(async () => {
      const index = await this.loadIndex();
      const record = index.models[id];
      if (!record) throw new LibraryError(`"${id}" is not in the library index; reopen the library and try again`);
      record.name = trimmed;
      await writeIndex(this.indexFile, index);
    });
    await this.scan();
    return this.entry(id)!;
  }

  /**
   * Delete an imported model: its folder goes to the trash (recoverable), then the index forgets
   * it. Resolves to where the folder went. Bundled models cannot be deleted.
   */
  async remove(id: string): Promise<string> {
    const dir = this.userModelDir(id);
    const trashedTo = await this.enqueue(async () => {
      const where = await (this.options.trash ?? ((d: string) => this.moveToTrash(d)))(dir);
      const index = await this.loadIndex();
      delete index.models[id];
      await writeIndex(this.indexFile, index);
      return where;
    });
    await this.scan();
    return trashedTo;
  }

  /** The library's own trash: `<data>/trash/<id>-<time>/`, on the same disk, so this is a rename. */
  private async moveToTrash(dir: string): Promise<string> {
    const trash = path.join(this.requireDataDir(), 'trash');
    await fs.mkdir(trash, { recursive: true });
    const target = path.join(trash, `${path.basename(dir)}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await fs.rename(dir, target);
    return target;
  }

  /** Run an index change after the earlier ones of this process, holding the index lock against other processes (file-lock.ts). */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const locked = () => withFileLock(`${this.indexFile}.lock`, task);
    const run = this.indexQueue.then(locked, locked);
    this.indexQueue = run.catch(() => undefined);
    return run;
  }

  /** The index, or an empty one when it is missing or damaged (the next scan rebuilds it). */
  private async loadIndex(): Promise<LibraryIndex> {
    const read = await readIndex(this.indexFile);
    return read.index ?? { format: LIBRARY_INDEX_FORMAT, models: {} };
  }

  /**
   * List the user's models into `located`: every folder with a valid manifest whose id is its
   * folder name and whose files are all there at their recorded sizes. The index is repaired to
   * match the folders — rebuilt whole when it is missing or damaged — and written back if changed.
   */
  private async scanUser(located: Map<string, Located>, stages: Map<string, LocatedStage>, problems: LibraryProblem[]): Promise<void> {
    const read = await readIndex(this.indexFile);
    if (read.damage) {
      problems.push({ dir: this.indexFile, message: `library.json was damaged (${read.damage}) and has been rebuilt from the model folders; names you gave models were reset` });
    }
    const index: LibraryIndex = read.index ?? { format: LIBRARY_INDEX_FORMAT, models: {} };
    let changed = read.damage !== null;
    const present = new Set<string>();
    for (const dir of await subfolders(this.userModelsDir!)) {
      const folder = path.basename(dir);
      try {
        const read = await readPackageManifest(dir);
        const manifest = read.manifest;
        if (manifest.id !== folder) throw new ManifestError('id', `is "${manifest.id}" but the folder is named "${folder}"; re-import the model`);
        if (located.has(manifest.id) || stages.has(manifest.id)) throw new Error(`a bundled model already has the id "${manifest.id}"; delete this copy or change its id and re-import it`);
        await checkFilesPresent(dir, manifest);
        present.add(folder);
        let record = index.models[folder];
        if (!record) {
          // A folder without an index entry: an import that crashed before its index write, or a rebuild.
          const stat = await fs.stat(dir);
          record = { name: manifest.name, importedAt: stat.mtime.toISOString(), origin: 'rebuilt', files: manifest.files };
          index.models[folder] = record;
          changed = true;
        }
        if (read.kind === 'stage') stages.set(manifest.id, { entry: stageEntryFor(read.manifest, 'library', record.name), dir });
        else located.set(manifest.id, { entry: this.entryFor(read.manifest, 'library', record.name), dir });
      } catch (error) {
        problems.push({ dir, message: (error as Error).message });
      }
    }
    for (const id of Object.keys(index.models)) {
      if (!present.has(id) && !(await hasManifest(path.join(this.userModelsDir!, id)))) {
        delete index.models[id];
        changed = true;
      }
    }
    if (changed) await writeIndex(this.indexFile, index);
  }

  private entryFor(manifest: Manifest, source: ModelEntry['source'], name: string): ModelEntry {
    return {
      id: manifest.id,
      name,
      family: manifest.family,
      source,
      baseUrl: modelBaseUrl(manifest.id),
      manifest,
    };
  }
}

function stageEntryFor(manifest: StageManifest, source: StageEntry['source'], name: string): StageEntry {
  return { id: manifest.id, name, source, baseUrl: modelBaseUrl(manifest.id), manifest };
}

/** Every file the manifest lists is a regular file of the recorded size (a cheap check; sha256 was verified on import). */
async function checkFilesPresent(dir: string, manifest: Pick<Manifest, 'files'>): Promise<void> {
  for (const [name, { bytes }] of Object.entries(manifest.files)) {
    let size: number;
    try {
      const stat = await fs.lstat(path.join(dir, name));
      if (!stat.isFile()) throw new Error('not a plain file');
      size = stat.size;
    } catch {
      throw new Error(`${name} is missing from the package folder; delete the model and import it again`);
    }
    if (size !== bytes) throw new Error(`${name} is ${size} bytes but the manifest says ${bytes}; delete the model and import it again`);
  }
}
