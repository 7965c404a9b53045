import type { ImportProgress, ImportResult, RecentProject } from '../../../app/contract/channels';
import type { Project } from '../../../app/project/schema';
import type { Slice } from '../types';

/** A single-file import waiting for the user's settings (the import dialog shows it). */
export type PendingImport = Extract<ImportResult, { status: 'needs-settings' }>;

/** The import running now: its job id, the file, the host's last progress report, and whether the user cancelled it. */
export interface ImportJobState {
  job: string;
  file: string;
  progress: ImportProgress | null;
  cancelling: boolean;
}

/** Work left by a session that crashed, offered back on start. */
export interface Recovery {
  project: Project;
  path: string | null;
  savedAt: string;
}

/**
 * The artist's workspace around the latent state: which project file it is, the recent list, the
 * crash-recovery offer, and the library's import and management state.
 */
export interface WorkspaceSlice {
  /** The open project's name and where it was opened from or saved to (null: never saved). */
  projectName: string;
  projectPath: string | null;
  recentProjects: RecentProject[];
  recovery: Recovery | null;
  pendingImport: PendingImport | null;
  /** The file being imported (shown while the host copies and checks it), or null. */
  importing: string | null;
  /** The running import the progress bar follows, or null. */
  importJob: ImportJobState | null;
  /** How the last import ended when that was no error (the user cancelled it), or null. */
  importNotice: string | null;
  libraryOpen: boolean;
  /** Library folders that could not be listed, and index repairs, from the last listing. */
  libraryProblems: { dir: string; message: string }[];
  setProjectFile(name: string, path: string | null): void;
  setRecentProjects(recent: RecentProject[]): void;
  setRecovery(recovery: Recovery | null): void;
  setPendingImport(pending: PendingImport | null): void;
  setImporting(file: string | null): void;
  setImportJob(job: ImportJobState | null): void;
  /** Record a progress report, if `job` is still the running import. */
  setImportProgress(job: string, progress: ImportProgress | null): void;
  setImportNotice(notice: string | null): void;
  setLibraryOpen(open: boolean): void;
  setLibraryProblems(problems: WorkspaceSlice['libraryProblems']): void;
}

export const workspaceSlice: Slice<WorkspaceSlice> = (set) => ({
  projectName: 'Untitled',
  projectPath: null,
  recentProjects: [],
  recovery: null,
  pendingImport: null,
  importing: null,
  importJob: null,
  importNotice: null,
  libraryOpen: false,
  libraryProblems: [],
  setProjectFile: (projectName, projectPath) => set({ projectName, projectPath }),
  setRecentProjects: (recentProjects) => set({ recentProjects }),
  setRecovery: (recovery) => set({ recovery }),
  setPendingImport: (pendingImport) => set({ pendingImport }),
  setImporting: (importing) => set({ importing }),
  setImportJob: (importJob) => set({ importJob }),
  setImportProgress: (job, progress) => set((s) => (s.importJob?.job === job ? { importJob: { ...s.importJob, progress } } : {})),
  setImportNotice: (importNotice) => set({ importNotice }),
  setLibraryOpen: (libraryOpen) => set({ libraryOpen }),
  setLibraryProblems: (libraryProblems) => set({ libraryProblems }),
});
