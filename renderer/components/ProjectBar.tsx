import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { shortcutLabel, studioCommands, type Command } from '../commands/commands';
import { registerChooser } from '../platform/file-choosers';
import { studioHistory } from '../commands/history';
import { importModelFiles } from '../library/model-library';
import { openProjectFile, openRecentProject } from '../project/project';
import { isProjectedW, openProjectedW } from '../project/projected-w';
import { useStudio } from '../store';
import { LibraryPanel } from './LibraryPanel';

function run(command: Command | undefined): void {
  if (command && (!command.enabled || command.enabled())) void command.perform();
}

function command(id: string): Command | undefined {
  return studioCommands().find((c) => c.id === id);
}

const subscribeHistory = (listener: () => void) => studioHistory.subscribe(listener);

/** Undo/redo availability, re-read whenever the history changes. */
function useHistory(): { canUndo: boolean; canRedo: boolean } {
  const canUndo = useSyncExternalStore(subscribeHistory, () => studioHistory.canUndo);
  const canRedo = useSyncExternalStore(subscribeHistory, () => studioHistory.canRedo);
  return { canUndo, canRedo };
}

/** The project menu: every command with its shortcut, then the recent projects. */
function ProjectMenu() {
  const [open, setOpen] = useState(false);
  const recent = useStudio((s) => s.recentProjects);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !root.current?.contains(event.target as Node)) setOpen(false);
    };
    window.addEventListener('pointerdown', close);
    window.addEventListener('keydown', close);
    return () => {
      window.removeEventListener('pointerdown', close);
      window.removeEventListener('keydown', close);
    };
  }, [open]);
  return (
    <div className="menu" ref={root}>
      <button type="button" data-testid="project-menu" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Project ▾
      </button>
      {open && (
        <ul className="menu-list" role="menu" aria-label="Project">
          {studioCommands().map((c) => (
            <li key={c.id} role="none">
              <button
                type="button"
                role="menuitem"
                data-testid={`command-${c.id}`}
                disabled={c.enabled ? !c.enabled() : false}
                onClick={() => {
                  setOpen(false);
                  run(c);
                }}
              >
                <span>{c.label}</span>
                {c.shortcuts[0] && <kbd>{shortcutLabel(c.shortcuts[0])}</kbd>}
              </button>
            </li>
          ))}
          <li role="separator" />
          <li role="none" className="menu-heading">
            Recent projects
          </li>
          {recent.length === 0 && (
            <li role="none" className="menu-empty">
              None yet
            </li>
          )}
          {recent.map((r) => (
            <li key={r.path} role="none">
              <button
                type="button"
                role="menuitem"
                data-testid="recent-project"
                title={r.path}
                onClick={() => {
                  setOpen(false);
                  void openRecentProject(r.path);
                }}
              >
                <span>{r.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Import and library, the project file (open, save, menu), undo and redo: the top bar's right side. */
export function ProjectBar() {
  const modelInput = useRef<HTMLInputElement>(null);
  const projectInput = useRef<HTMLInputElement>(null);
  const projectName = useStudio((s) => s.projectName);
  const projectPath = useStudio((s) => s.projectPath);
  const importing = useStudio((s) => s.importing);
  const libraryOpen = useStudio((s) => s.libraryOpen);
  const setLibraryOpen = useStudio((s) => s.setLibraryOpen);
  const modelOpen = useStudio((s) => s.modelId !== null);
  const { canUndo, canRedo } = useHistory();

  useEffect(() => registerChooser('model', () => modelInput.current?.click()), []);
  useEffect(() => registerChooser('project', () => projectInput.current?.click()), []);

  return (
    <div className="project-bar" role="group" aria-label="Library and project">
      <button type="button" data-testid="import-model" title={`Import model… (${shortcutLabel({ key: 'i', mod: true })})`} aria-label="Import model" onClick={() => modelInput.current?.click()}>
        Import…
      </button>
      <input
        ref={modelInput}
        type="file"
        accept=".zip,.onnx,.pkl,.pt,.bin"
        multiple
        hidden
        data-testid="import-model-input"
        aria-label="Model files to import"
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          event.target.value = ''; // choosing the same file again must fire again
          void importModelFiles(files);
        }}
      />
      <button type="button" data-testid="library-toggle" aria-expanded={libraryOpen} aria-controls="library-panel" onClick={() => setLibraryOpen(!libraryOpen)}>
        Library
      </button>
      <LibraryPanel />
      {importing && (
        <span className="importing" role="status" data-testid="import-status">
          Importing {importing}…
        </span>
      )}
      <span className="separator" aria-hidden="true" />
      <span className="project-name" data-testid="project-name" title={projectPath ?? 'Not saved yet'}>
        {projectName}
      </span>
      <button type="button" data-testid="project-open" title={`Open a project or a projected_w.npz… (${shortcutLabel({ key: 'o', mod: true })})`} onClick={() => projectInput.current?.click()}>
        Open
      </button>
      <input
        ref={projectInput}
        type="file"
        accept=".json,.npz"
        hidden
        data-testid="project-open-input"
        aria-label="Project file or projected_w.npz to open"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) void (isProjectedW(file) ? openProjectedW(file) : openProjectFile(file));
        }}
      />
      <button type="button" data-testid="project-save" disabled={!modelOpen} title={`Save project (${shortcutLabel({ key: 's', mod: true })})`} onClick={() => run(command('project.save'))}>
        Save
      </button>
      <ProjectMenu />
      <button type="button" data-testid="undo" aria-label="Undo" title={`Undo (${shortcutLabel({ key: 'z', mod: true })})`} disabled={!canUndo} onClick={() => run(command('edit.undo'))}>
        ↶
      </button>
      <button type="button" data-testid="redo" aria-label="Redo" title={`Redo (${shortcutLabel({ key: 'z', mod: true, shift: true })})`} disabled={!canRedo} onClick={() => run(command('edit.redo'))}>
        ↷
      </button>
    </div>
  );
}
