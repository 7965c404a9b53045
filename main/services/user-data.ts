/**
 * The user's own data behind the host API: the model library's import, rename, delete and reveal,
 * and projects (save, open, recent, autosave, recovery). One instance per host, over one data
 * folder; what differs between hosts (dialogs, the system trash, revealing a folder, whether the
 * renderer may name paths) comes in as {@link UserDataOptions}.
 */
import type { HostApi } from '../../app/contract/channels';
import { parseProject } from '../../app/project/schema';
import { saveBlend } from './blend';
import { ImportError, ModelImporter } from './import';
import { LibraryError, type ModelLibrary } from './library';
import { ProjectStore } from './projects';

/** What a host adds to the shared services. */
export interface UserDataOptions {
  /**
   * The renderer may name files on disk (Electron: paths of files the user dropped or picked).
   * The browser host leaves this off: it imports uploaded bytes only and opens only its own projects.
   */
  acceptPaths?: boolean;
  /** Show a file in the system file manager (Electron's shell.showItemInFolder); absent: not offered. */
  reveal?: (file: string) => void;
  /** Ask where to save a project (Electron's save dialog); absent: the data folder's projects/. */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>;
}

/** The method names this module answers. */
type UserDataMethod =
  | 'importModel'
  | 'importProgress'
  | 'abortImport'
  | 'confirmImport'
  | 'cancelImport'
  | 'blendModels'
  | 'renameModel'
  | 'deleteModel'
  | 'revealModel'
  | 'saveProject'
  | 'openProject'
  | 'recentProjects'
  | 'autosaveProject'
  | 'recoverAutosave'
  | 'discardAutosave'
  | 'markCleanExit';

/** Library and project services of one user data folder. */
export class UserData {
  readonly importer: ModelImporter;
  readonly projects: ProjectStore;

  constructor(
    private readonly library: ModelLibrary,
    readonly dataDir: string,
    private readonly options: UserDataOptions = {},
  ) {
    this.importer = new ModelImporter(library, dataDir);
    this.projects = new ProjectStore({ dataDir, chooseSavePath: options.chooseSavePath, openAnyPath: options.acceptPaths });
  }

  /** The host API methods for the library and projects. */
  handlers(): Pick<HostApi, UserDataMethod> {
    const { importer, projects, library, options } = this;
    return {
      importModel: async ({ path, job }) => {
        if (!options.acceptPaths) throw new ImportError('the browser studio imports files you drop or choose; send the file itself, not its path');
        return importer.importPath(path, job);
      },
      importProgress: async ({ job }) => ({ progress: importer.progress(job) }),
      abortImport: async ({ job }) => ({ aborted: importer.abort(job) }),
      confirmImport: async ({ stagingId, settings }) => ({ model: await importer.confirm(stagingId, settings) }),
      cancelImport: async ({ stagingId }) => {
        await importer.cancel(stagingId);
        return {};
      },
      blendModels: async (request) => ({ model: await saveBlend(library, importer, request) }),
      renameModel: async ({ id, name }) => ({ model: await library.rename(id, name) }),
      deleteModel: async ({ id }) => ({ trashedTo: await library.remove(id) }),
      revealModel: async ({ id }) => {
        if (!options.reveal) throw new LibraryError('the browser studio cannot open folders on your computer; use the desktop app to reveal a model');
        options.reveal(library.userModelDir(id));
        return {};
      },
      // The request type is the schema's input (latent fields with defaults may be absent); the
      // project was validated on arrival, and parsing it again gives it its defaults' type too.
      saveProject: (request) => projects.save({ ...request, project: parseProject(request.project, 'the project to save') }),
      openProject: ({ path }) => projects.open(path),
      recentProjects: async () => ({ recent: await projects.recent() }),
      autosaveProject: async ({ project, path }) => ({ savedAt: await projects.autosave(parseProject(project, 'the autosave'), path) }),
      recoverAutosave: async () => ({ autosave: await projects.recover() }),
      discardAutosave: async () => {
        await projects.discardAutosave();
        return {};
      },
      markCleanExit: async () => {
        await projects.markCleanExit();
        return {};
      },
    };
  }
}
