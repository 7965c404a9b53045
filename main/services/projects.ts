/**
 * Project files, the recent list, autosave and crash recovery, kept in the user data folder:
 *
 * - `projects/` — where the browser host saves projects (it has no save dialog); Electron saves
 *   wherever the user chooses.
 * - `recent.json` — the last projects saved or opened. A path from the renderer is written to
 *   only when it is on this list, so a page can never make the host write elsewhere.
 * - `autosave.json` — the studio's current state, every 30 s while it changes.
 * - `session.json` — when the studio last closed cleanly. An autosave newer than that was left by
 *   a session that crashed, and is offered back on the next start.
 *
 * Every file is written atomically (atomic.ts); read-change-write updates run under a lock file
 * (file-lock.ts), since the desktop app and the browser host may share the data folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { RecentProject } from '../../app/contract/channels';
import { MAX_PROJECT_BYTES, parseProject, parseProjectText, PROJECT_EXTENSION, ProjectError, serializeProject, type Project } from '../../app/project/schema';
import { writeJsonAtomic, writeFileAtomic } from './atomic';
import { withFileLock } from './file-lock';

/** How many projects the recent list keeps. */
export const MAX_RECENT = 10;

const recentSchema = z.array(z.object({ path: z.string(), name: z.string(), savedAt: z.string() }));
const sessionSchema = z.object({ cleanExitAt: z.string() });
const autosaveSchema = z.object({ savedAt: z.string(), path: z.string().nullable(), project: z.unknown() });

/** Raised for a project request the host refuses; the message says what to do. */
export class ProjectStoreError extends Error {
  override readonly name = 'ProjectStoreError';
}

/** Options of {@link ProjectStore}. */
export interface ProjectStoreOptions {
  dataDir: string;
  /**
   * Ask the user where to save (Electron's save dialog); resolves to null when cancelled. Without
   * it, projects are saved in `<data>/projects/` under their name.
   */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>;
  /**
   * Open any .json file the user picked (Electron: paths come from the user's own drop or file
   * dialog). Without it, only projects on the recent list or in `<data>/projects/` open.
   */
  openAnyPath?: boolean;
}

/** A file name from a project name: no separators or reserved characters, with the project extension. */
export function projectFileName(name: string): string {
  const base =
    name
      // eslint-disable-next-line no-control-regex -- control characters are what must go
      .replace(/[\\/:*?"<>|\x00-\x1f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .replace(/^[.\s]+|[.\s]+$/g, '')
      .slice(0, 120) || 'Untitled';
  return base + PROJECT_EXTENSION;
}

function nameOf(file: string): string {
  const base = path.basename(file);
  return base.endsWith(PROJECT_EXTENSION) ? base.slice(0, -PROJECT_EXTENSION.length) : base.replace(/\.json$/i, '');
}

/** Saves, opens and autosaves projects for one user data folder. */
export class ProjectStore {
  private readonly dataDir: string;
  private recentQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ProjectStoreOptions) {
    this.dataDir = options.dataDir;
  }

  /** Where the browser host keeps projects. */
  get projectsDir(): string {
    return path.join(this.dataDir, 'projects');
  }

  private file(name: string): string {
    return path.join(this.dataDir, name);
  }

  /** Save `project`; see the contract's saveProject for how the place is chosen. */
  async save(request: { project: Project; name: string; path: string | null; saveAs: boolean }): Promise<{ saved: boolean; path: string | null; name: string }> {
    let target: string | null;
    if (request.path !== null && !request.saveAs) {
      target = path.resolve(request.path);
      if (!(await this.recent()).some((r) => r.path === target)) {
        throw new ProjectStoreError(`the studio did not open or save ${path.basename(target)} in this session's history; use Save As to choose where to save`);
      }
    } else if (this.options.chooseSavePath) {
      target = await this.options.chooseSavePath(projectFileName(request.name));
      if (target === null) return { saved: false, path: null, name: request.name };
    } else {
      target = await freeFile(this.projectsDir, projectFileName(request.name));
      try {
        await writeFileAtomic(target, serializeProject(request.project));
      } catch (error) {
        await fs.rm(target, { force: true }); // the empty file freeFile reserved
        throw error;
      }
      await this.remember(target, request.name);
      return { saved: true, path: target, name: request.name };
    }
    await writeFileAtomic(target, serializeProject(request.project));
    await this.remember(target, request.name);
    return { saved: true, path: target, name: request.name };
  }

  /** Open the project file at `file`; throws ProjectError (bad file) or ProjectStoreError (refused path). */
  async open(file: string): Promise<{ project: Project; path: string; name: string }> {
    const target = path.resolve(file);
    const allowed =
      this.options.openAnyPath ||
      path.dirname(target) === path.resolve(this.projectsDir) ||
      (await this.recent()).some((r) => r.path === target);
    if (!allowed) throw new ProjectStoreError(`${path.basename(target)} is not one of this studio's projects; open it with the Open button`);
    const shown = path.basename(target);
    if (!/\.json$/i.test(target)) throw new ProjectError(`${shown} is not a project file; choose a ${PROJECT_EXTENSION} file`);
    let stat;
    try {
      stat = await fs.stat(target);
    } catch {
      throw new ProjectStoreError(`${shown} is no longer there (moved or deleted); open it from its new place`);
    }
    if (!stat.isFile() || stat.size > MAX_PROJECT_BYTES) throw new ProjectError(`${shown} is not a project file (too large or not a file); choose a ${PROJECT_EXTENSION} file`);
    const project = parseProjectText(await fs.readFile(target, 'utf8'), shown);
    const name = nameOf(target);
    await this.remember(target, name);
    return { project, path: target, name };
  }

  /** The recent list, newest first, without files that are gone. */
  async recent(): Promise<RecentProject[]> {
    const listed = await this.readRecent();
    const present: RecentProject[] = [];
    for (const entry of listed ?? []) if (await fs.stat(entry.path).then((s) => s.isFile(), () => false)) present.push(entry);
    return present;
  }

  /** The stored list. A damaged one is started afresh: it only points at files, and losing it loses no work. */
  private async readRecent(): Promise<RecentProject[]> {
    try {
      return (await readJson(this.file('recent.json'), recentSchema)) ?? [];
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof z.ZodError) return [];
      throw error;
    }
  }

  private remember(file: string, name: string): Promise<void> {
    // Another host on this data folder may be changing the list too: read, change and write under its lock.
    const update = () =>
      withFileLock(this.file('recent.json.lock'), async () => {
        const list = await this.readRecent();
        const next = [{ path: file, name, savedAt: new Date().toISOString() }, ...list.filter((r) => r.path !== file)].slice(0, MAX_RECENT);
        await writeJsonAtomic(this.file('recent.json'), next);
      });
    const run = this.recentQueue.then(update, update);
    this.recentQueue = run.catch(() => undefined);
    return run;
  }

  /** Keep `project` as the autosave (with the path it was opened from or saved to). */
  async autosave(project: Project, projectPath: string | null): Promise<string> {
    // Under the lock, the time is taken in the order the writes land: a later autosave of another
    // host is never replaced by an earlier one of this, and recovery compares times that are in order.
    return withFileLock(this.file('autosave.json.lock'), async () => {
      const savedAt = new Date().toISOString();
      await writeJsonAtomic(this.file('autosave.json'), { savedAt, path: projectPath, project });
      return savedAt;
    });
  }

  /** The autosave of a session that did not close cleanly, or null. A damaged autosave is set aside and reported. */
  async recover(): Promise<{ project: Project; path: string | null; savedAt: string } | null> {
    const autosave = await readJson(this.file('autosave.json'), autosaveSchema).catch(() => 'damaged' as const);
    if (autosave === null) return null;
    const session = await readJson(this.file('session.json'), sessionSchema).catch(() => null);
    if (autosave !== 'damaged' && session && Date.parse(autosave.savedAt) <= Date.parse(session.cleanExitAt)) return null;
    try {
      if (autosave === 'damaged') throw new ProjectError('its file is not readable JSON');
      return { project: parseProject(autosave.project, 'the autosave'), path: autosave.path, savedAt: autosave.savedAt };
    } catch (error) {
      if (!(error instanceof ProjectError)) throw error;
      await fs.rename(this.file('autosave.json'), this.file('autosave.damaged.json'));
      throw new ProjectError(`the autosave from the last session could not be restored (${error.message}); it was set aside as autosave.damaged.json in ${this.dataDir}`);
    }
  }

  /** Forget the autosave (the user chose not to restore it). */
  async discardAutosave(): Promise<void> {
    await withFileLock(this.file('autosave.json.lock'), () => fs.rm(this.file('autosave.json'), { force: true }));
  }

  /** Record a clean exit: the current autosave needs no recovery. */
  async markCleanExit(): Promise<void> {
    await withFileLock(this.file('autosave.json.lock'), () => writeJsonAtomic(this.file('session.json'), { cleanExitAt: new Date().toISOString() }));
  }
}

/** Parse a JSON file with `schema`; null when it does not exist; throws when it is damaged. */
async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return schema.parse(JSON.parse(text));
}

/** `dir/name`, or `dir/name (2)…` when taken, created empty so no concurrent save takes the same name. */
async function freeFile(dir: string, name: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const stem = name.slice(0, -PROJECT_EXTENSION.length);
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, n === 1 ? name : `${stem} (${n})${PROJECT_EXTENSION}`);
    // Create it empty to claim the name: another save (in this host or another) may pick names at the same time.
    try {
      await (await fs.open(candidate, 'wx')).close();
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
