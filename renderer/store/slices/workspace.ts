import type { ImportResult, RecentProject } from '../../../app/contract';
import type { Project } from '../../../app/project/schema';
import type { Slice } from '../types';

/** A single-file import waiting for the user's settings (the import dialog shows it). */
export type PendingImport = Extract<ImportResult, { status: 'needs-settings' }>;

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
  libraryOpen: boolean;
  /** Library folders that could not be listed, and index repairs, from the last listing. */
  libraryProblems: { dir: string; message: string }[];
  setProjectFile(name: string, path: string | null): void;
  setRecentProjects(recent: RecentProject[]): void;
  setRecovery(recovery: Recovery | null): void;
  setPendingImport(pending: PendingImport | null): void;
  setImporting(file: string | null): void;
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
  libraryOpen: false,
  libraryProblems: [],
  setProjectFile: (projectName, projectPath) => set({ projectName, projectPath }),
  setRecentProjects: (recentProjects) => set({ recentProjects }),
  setRecovery: (recovery) => set({ recovery }),
  setPendingImport: (pendingImport) => set({ pendingImport }),
  setImporting: (importing) => set({ importing }),
  setLibraryOpen: (libraryOpen) => set({ libraryOpen }),
  setLibraryProblems: (libraryProblems) => set({ libraryProblems }),
});
