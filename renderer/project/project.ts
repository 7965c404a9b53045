/**
 * Projects in the renderer: the whole studio state as a project file (app/project/schema.ts) and
 * back, saving and opening through the host, the recent list, the 30-second autosave, and the
 * offer to restore work a crashed session left behind. Problems go to the one error banner.
 */
import { MAX_DIRECTIONS } from '../../app/latent/directions';
import type { ModelEntry } from '../../app/contract/channels';
import { checkProjectFitsModel, CURRENT_PROJECT_FORMAT, MAX_PROJECT_BYTES, parseProjectText, PROJECT_KIND, ProjectError, type MapSettings, type Project } from '../../app/project/schema';
import { getHost, pathOfFile } from '../platform/host';
import { studioHistory } from '../commands/history';
import { studioStore, type StudioState } from '../store';
import { registerTestHook } from '../test-hooks';
import { DEFAULT_LIVE } from '../store/slices/live';

/** How often the state is autosaved while it changes. */
export const AUTOSAVE_INTERVAL_MS = 30_000;

function fail(what: string, error: unknown, next: string): void {
  studioStore.getState().showError(`${what}: ${(error as Error).message}. ${next}`);
}

/** The sha256 of each graph file of a model: what a project checks the model on this machine against. */
function graphDigests(entry: ModelEntry): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const spec of Object.values(entry.manifest.graphs)) {
    const file = entry.manifest.files[spec.file];
    if (file) digests[spec.file] = file.sha256;
  }
  return digests;
}

function mapSettings(s: StudioState): MapSettings {
  return { open: s.mapOpen, count: s.mapCount, projection: s.mapProjection, local: s.mapLocal, colouring: s.mapColouring };
}

/** The current studio state as a project, or null while no model is open. */
export function currentProject(s: StudioState = studioStore.getState()): Project | null {
  const entry = s.models.find((m) => m.id === s.modelId);
  if (!entry) return null;
  return {
    kind: PROJECT_KIND,
    format: CURRENT_PROJECT_FORMAT,
    savedAt: new Date().toISOString(),
    model: { id: entry.id, name: entry.name, graphs: graphDigests(entry) },
    latent: s.latent,
    timeline: s.timeline,
    directions: s.directionsModelId === entry.id ? s.directions : [],
    map: mapSettings(s),
    live: s.live,
    stages: s.stageChain,
    audio: { mappings: s.audioMappings, track: s.audioTrack?.name ?? null },
  };
}

/**
 * The model a project needs: the one with its id, else one whose graphs have the same sha256 (the
 * same weights imported under another id). Throws ProjectError when neither is here.
 */
function findModel(project: Project, models: readonly ModelEntry[]): { entry: ModelEntry; changed: boolean } {
  const wanted = JSON.stringify(project.model.graphs);
  const byId = models.find((m) => m.id === project.model.id);
  if (byId) return { entry: byId, changed: Object.keys(project.model.graphs).length > 0 && JSON.stringify(graphDigests(byId)) !== wanted };
  const byDigest = models.find((m) => JSON.stringify(graphDigests(m)) === wanted);
  if (byDigest) return { entry: byDigest, changed: false };
  throw new ProjectError(
    `this project uses the model "${project.model.name}" (${project.model.id}), which is not in your library; import that model, then open the project again`,
  );
}

/** Put a project into the studio: model, latent state, timeline, directions, map and live settings. Starts a fresh undo history. */
export function applyProject(project: Project, name: string, path: string | null): void {
  const store = studioStore;
  const { entry, changed } = findModel(project, store.getState().models);
  checkProjectFitsModel(project, entry.manifest);
  store.setState({
    modelId: entry.id,
    latent: project.latent,
    timeline: project.timeline,
    selectedKeyframe: null,
    playing: false,
    // Projects from before live control have none: they start with no bindings, on the default port.
    live: project.live ?? DEFAULT_LIVE,
    learning: false,
    learnTarget: null,
    // Stages this studio lacks are dropped from the chain; the export size shown says what is left.
    stageChain: (project.stages ?? []).filter((id) => store.getState().stages.some((st) => st.id === id)),
    audioMappings: project.audio?.mappings ?? [],
    ...(project.map
      ? {
          mapOpen: project.map.open,
          mapCount: project.map.count,
          mapProjection: project.map.projection,
          mapLocal: project.map.local,
          mapColouring: project.map.colouring,
        }
      : {}),
  });
  store.getState().setProjectFile(name, path);
  // The track is not in the project: say which one its mappings followed, so the user can open it again.
  const track = project.audio?.track;
  if (track && store.getState().audioTrack?.name !== track && (project.audio?.mappings.length ?? 0) > 0) {
    store.getState().setAudioStatus(`This project's mappings follow "${track}": open it with Open audio…`);
  }
  // The model's own saved directions load when it opens; the project's join them then.
  const merge = () => {
    if (project.directions.length === 0) return studioHistory.reset();
    const { directions } = store.getState();
    const fresh = project.directions.filter((d) => !directions.some((e) => e.id === d.id));
    if (directions.length + fresh.length > MAX_DIRECTIONS) {
      store.getState().showError(`This project brings ${fresh.length} directions, but a model keeps at most ${MAX_DIRECTIONS}; delete some directions, then open the project again to add the rest.`);
    }
    store.getState().addDirections([...project.directions.filter((d) => directions.some((e) => e.id === d.id)), ...fresh.slice(0, MAX_DIRECTIONS - directions.length)]);
    studioHistory.reset();
  };
  if (store.getState().directionsModelId === entry.id) merge();
  else {
    const stop = store.subscribe((s) => {
      if (s.directionsModelId !== entry.id) return;
      stop();
      merge();
    });
  }
  studioHistory.reset();
  lastAutosaved = null;
  if (changed) {
    store
      .getState()
      .showError(`The model "${entry.name}" here differs from the one this project was made with (its graph files changed), so pictures may differ. Import the original model to see the project as it was.`);
  }
}

/** Save the project (Save As: `saveAs`, or when it was never saved). */
export async function saveProject(saveAs: boolean): Promise<void> {
  const state = studioStore.getState();
  const project = currentProject(state);
  if (!project) {
    state.showError('There is nothing to save yet: open a model first.');
    return;
  }
  try {
    const result = await getHost().saveProject({ project, name: state.projectName, path: state.projectPath, saveAs });
    if (!result.saved) return;
    studioStore.getState().setProjectFile(result.name, result.path);
    await refreshRecent();
  } catch (error) {
    fail('Could not save the project', error, 'Try Save As to choose another place.');
  }
}

function projectName(fileName: string): string {
  return fileName.replace(/\.latent\.json$/i, '').replace(/\.json$/i, '') || 'Untitled';
}

/**
 * Open a project file the user picked or dropped. Electron opens it by path (so Save writes back
 * to it and it joins the recent list); the browser reads the file itself.
 */
export async function openProjectFile(file: File): Promise<void> {
  try {
    const path = pathOfFile(file);
    if (path) {
      const opened = await getHost().openProject({ path });
      applyProject(opened.project, opened.name, opened.path);
      await refreshRecent();
      return;
    }
    // Refuse by size before reading: a huge drop would otherwise be read whole into memory first.
    if (file.size > MAX_PROJECT_BYTES) throw new ProjectError(`${file.name} is larger than ${MAX_PROJECT_BYTES / 2 ** 20} MiB, too large for a project file; check you chose the right file`);
    applyProject(parseProjectText(await file.text(), file.name), projectName(file.name), null);
  } catch (error) {
    fail(`Could not open ${file.name}`, error, 'Nothing in the studio was changed.');
  }
}

/** Open a project from the recent list. */
export async function openRecentProject(path: string): Promise<void> {
  try {
    const opened = await getHost().openProject({ path });
    applyProject(opened.project, opened.name, opened.path);
    await refreshRecent();
  } catch (error) {
    fail('Could not open the project', error, 'Nothing in the studio was changed.');
  }
}

async function refreshRecent(): Promise<void> {
  const { recent } = await getHost().recentProjects({});
  studioStore.getState().setRecentProjects(recent);
}

/** The last autosaved state (without its time), to skip autosaves that would change nothing. */
let lastAutosaved: string | null = null;

async function autosave(): Promise<void> {
  const state = studioStore.getState();
  const project = currentProject(state);
  if (!project) return;
  const key = JSON.stringify({ ...project, savedAt: '' });
  if (key === lastAutosaved) return;
  await getHost().autosaveProject({ project, path: state.projectPath });
  lastAutosaved = key;
}

/** Restore the work the crashed session left (the recovery offer's Restore). */
export function restoreRecovery(): void {
  const { recovery } = studioStore.getState();
  if (!recovery) return;
  try {
    applyProject(recovery.project, `${studioStore.getState().projectName} (recovered)`, recovery.path);
    studioStore.getState().setRecovery(null);
  } catch (error) {
    fail('Could not restore the autosaved work', error, 'Import the model it uses, then restore again, or discard it.');
  }
}

/** Drop the crashed session's work (the recovery offer's Discard). */
export async function discardRecovery(): Promise<void> {
  studioStore.getState().setRecovery(null);
  try {
    await getHost().discardAutosave({});
  } catch (error) {
    fail('Could not delete the autosave', error, 'It will be offered again next time; discard it then.');
  }
}

/**
 * Start the project side of the studio: the recent list, the crash-recovery offer, the autosave
 * every 30 s, and the clean-exit note when the window closes normally.
 */
export function startProjects(): void {
  const host = getHost();
  refreshRecent().catch((error: unknown) => fail('Could not read the recent projects', error, 'Saving and opening still work.'));
  host.recoverAutosave({}).then(
    ({ autosave: found }) => studioStore.getState().setRecovery(found),
    (error: unknown) => fail('Could not check for unsaved work from the last session', error, 'Save your work as usual.'),
  );
  const tick = () => autosave().catch((error: unknown) => fail('Autosave failed', error, 'Save the project to keep your work.'));
  window.setInterval(tick, AUTOSAVE_INTERVAL_MS);
  registerTestHook('autosaveNow', tick);
  window.addEventListener('pagehide', () => {
    // The page is going away: nothing can be shown any more, so a failure is only logged.
    host.markCleanExit({}).catch((error: unknown) => console.warn(`Latent Studio could not record a clean exit: ${(error as Error).message}`));
  });
}
