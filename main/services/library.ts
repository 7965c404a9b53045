/**
 * The model library: finds model packages on disk, validates their manifests and resolves the
 * files a renderer may stream. Plain Node; both hosts (Electron and the browser host) use it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseManifest, ManifestError, type Manifest } from '../../app/model/manifest';
import type { ModelEntry } from '../../app/contract';

/** The model the studio opens first when it is available. */
export const DEFAULT_MODEL_ID = 'emoji-stylegan';

/** Where the library looks for packages. */
export interface LibraryOptions {
  /** Folder holding bundled packages, one sub-folder each (the repo's models/ or the app resources). */
  bundledDir: string;
  /** Also list the test fixtures in `<bundledDir>/fixtures` (tests, or before any demo model exists). */
  includeFixtures?: boolean;
}

interface Located {
  entry: ModelEntry;
  dir: string;
}

/** A package that could not be listed, with the reason (shown to the user, never swallowed). */
export interface LibraryProblem {
  dir: string;
  message: string;
}

/** Read and validate `<dir>/manifest.json`; throws {@link ManifestError} naming the bad field. */
export async function readManifest(dir: string): Promise<Manifest> {
  const raw = await fs.readFile(path.join(dir, 'manifest.json'), 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ManifestError('', `is not valid JSON (${(error as Error).message})`);
  }
  return parseManifest(json);
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
  /** Packages found but refused at the last scan. */
  problems: LibraryProblem[] = [];

  constructor(private readonly options: LibraryOptions) {}

  /** Rescan the folders; returns the entries in display order. */
  async scan(): Promise<ModelEntry[]> {
    const bundled = (await subfolders(this.options.bundledDir)).filter((d) => path.basename(d) !== 'fixtures');
    const withManifest = [];
    for (const dir of bundled) if (await hasManifest(dir)) withManifest.push(dir);
    const fixtures = await subfolders(path.join(this.options.bundledDir, 'fixtures'));
    const dirs = this.options.includeFixtures || withManifest.length === 0 ? [...withManifest, ...fixtures] : withManifest;

    this.located.clear();
    this.problems = [];
    for (const dir of dirs) {
      if (!(await hasManifest(dir))) continue;
      try {
        const manifest = await readManifest(dir);
        if (this.located.has(manifest.id)) {
          throw new Error(`duplicate model id "${manifest.id}" (also in ${this.located.get(manifest.id)?.dir})`);
        }
        const entry: ModelEntry = {
          id: manifest.id,
          name: manifest.name,
          family: manifest.family,
          source: 'bundled',
          baseUrl: `/models/${encodeURIComponent(manifest.id)}/`,
          manifest,
        };
        this.located.set(manifest.id, { entry, dir });
      } catch (error) {
        this.problems.push({ dir, message: (error as Error).message });
      }
    }
    return [...this.located.values()].map((l) => l.entry);
  }

  /** The id to open first: the demo model when present, else the first listed. */
  defaultModelId(): string | null {
    if (this.located.has(DEFAULT_MODEL_ID)) return DEFAULT_MODEL_ID;
    return this.located.keys().next().value ?? null;
  }

  /**
   * Resolve a request for one of a model's files to a path on disk. Only files the manifest lists
   * are served, so neither `..` nor any other name can reach outside the package.
   */
  resolveFile(modelId: string, fileName: string): string | null {
    const located = this.located.get(modelId);
    if (!located) return null;
    if (!Object.hasOwn(located.entry.manifest.files, fileName)) return null;
    const full = path.resolve(located.dir, fileName);
    if (path.dirname(full) !== path.resolve(located.dir)) return null;
    return full;
  }
}
