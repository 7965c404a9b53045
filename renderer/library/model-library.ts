/**
 * The model library in the renderer: importing files the user drops or picks (with progress and
 * cancel while the host copies them, and the settings dialog for a single .onnx), and renaming,
 * deleting and revealing imported models. Every failure the user must know about goes to the one
 * error banner, saying what happened and what to do; a cancel is no failure and gets a short note.
 */
import type { ModelEntry, PlainImportSettings, RequestOf } from '../../app/contract/channels';
import { getHost, importModelFile } from '../platform/host';
import { studioStore } from '../store';

function fail(what: string, error: unknown, next: string): void {
  // Messages may end in their own full stop; the banner adds one sentence end, not two.
  studioStore.getState().showError(`${what}: ${(error as Error).message.replace(/\.$/, '')}. ${next}`);
}

/** List the models again (after an import, rename or delete). */
export async function refreshModels(): Promise<void> {
  const { models, stages, problems } = await getHost().listModels({});
  studioStore.getState().setModels(models);
  studioStore.getState().setStages(stages);
  studioStore.getState().setLibraryProblems(problems);
}

async function imported(model: ModelEntry): Promise<void> {
  await refreshModels();
  studioStore.getState().clearError();
  studioStore.getState().selectModel(model.id);
}

/** How often the progress bar asks the host how far an import has come. */
const PROGRESS_POLL_MS = 200;
/** The upload of each running browser-host import, by job id: cancelling stops sending the file. */
const uploads = new Map<string, AbortController>();

/** A fresh import job id: 18 random bytes as 24 base64url characters (the contract's importJob). */
function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

/** Ask the host how far import `job` has come, until it is no longer the running import. */
async function followImport(job: string): Promise<void> {
  while (studioStore.getState().importJob?.job === job) {
    const { progress } = await getHost().importProgress({ job });
    studioStore.getState().setImportProgress(job, progress);
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
  }
}

/**
 * Import model files one after another: folders (Electron), .zip packages and single .onnx
 * generators. Each runs as an import job the progress bar follows; cancelling one skips the rest.
 */
export async function importModelFiles(files: readonly File[]): Promise<void> {
  studioStore.getState().setImportNotice(null);
  for (const [index, file] of files.entries()) {
    const job = newJobId();
    const upload = new AbortController();
    uploads.set(job, upload);
    const store = studioStore.getState();
    store.setImporting(file.name);
    store.setImportJob({ job, file: file.name, progress: null, cancelling: false });
    followImport(job).catch((error: unknown) => fail(`Could not follow the import of ${file.name}`, error, 'The import goes on; wait for it to finish.'));
    let cancelled = false;
    try {
      const result = await importModelFile(file, job, upload.signal);
      if (result.status === 'imported') await imported(result.model);
      else if (result.status === 'imported-stage') {
        await refreshModels();
        studioStore.getState().clearError();
        studioStore.getState().setImportNotice(`Imported the stage "${result.stage.name}": add it to the export chain with + Stage.`);
      } else studioStore.getState().setPendingImport(result);
    } catch (error) {
      cancelled = studioStore.getState().importJob?.cancelling === true;
      if (!cancelled) fail(`Could not import ${file.name}`, error, 'Your library was not changed.');
    } finally {
      uploads.delete(job);
      studioStore.getState().setImportJob(null);
      studioStore.getState().setImporting(null);
    }
    if (cancelled) {
      const skipped = files.length - index - 1;
      studioStore.getState().setImportNotice(`Import of ${file.name} cancelled: your library was not changed${skipped > 0 ? ` (${skipped} more file${skipped > 1 ? 's' : ''} not imported)` : ''}.`);
      // The list is read again in case the host finished the import just as the cancel arrived.
      await refreshModels();
      return;
    }
  }
}

/**
 * Cancel the running import. While the browser host is still receiving the file, stopping the
 * upload ends it (the host removes what arrived); after that, the host stops copying at its next
 * chunk and removes the partial package. Once it is adding the model to the library it finishes.
 */
export async function cancelRunningImport(): Promise<void> {
  const running = studioStore.getState().importJob;
  if (!running || running.cancelling) return;
  studioStore.getState().setImportJob({ ...running, cancelling: true });
  if (running.progress?.phase === 'receiving') uploads.get(running.job)?.abort();
  try {
    const { aborted } = await getHost().abortImport({ job: running.job });
    const now = studioStore.getState().importJob;
    // Too late to stop (the model is being listed) and the upload still open: let it finish normally.
    if (!aborted && now?.job === running.job && !uploads.get(running.job)?.signal.aborted) studioStore.getState().setImportJob({ ...now, cancelling: false });
  } catch (error) {
    fail(`Could not cancel the import of ${running.file}`, error, 'Wait for it to finish, then delete the model if you do not want it.');
  }
}

/**
 * Save a blend of two models (the Blend dialog) as a new library model, then open it. It runs as an
 * import job, so the import's progress bar follows it and its Cancel stops it (the library stays as
 * it was). Resolves true when the blend was saved.
 */
export async function saveBlend(request: Omit<RequestOf<'blendModels'>, 'job'>): Promise<boolean> {
  const job = newJobId();
  const store = studioStore.getState();
  store.setImportNotice(null);
  store.setImportJob({ job, file: request.name, progress: null, cancelling: false });
  followImport(job).catch((error: unknown) => fail(`Could not follow the blend ${request.name}`, error, 'The blend goes on; wait for it to finish.'));
  try {
    const { model } = await getHost().blendModels({ ...request, job });
    await imported(model);
    return true;
  } catch (error) {
    if (studioStore.getState().importJob?.cancelling === true) {
      studioStore.getState().setImportNotice(`Blend ${request.name} cancelled: your library was not changed.`);
      await refreshModels();
    } else fail(`Could not save the blend ${request.name}`, error, 'Your library was not changed.');
    return false;
  } finally {
    studioStore.getState().setImportJob(null);
  }
}

/** Finish the single-file import waiting in the dialog, with the settings the user confirmed. */
export async function confirmImport(settings: PlainImportSettings): Promise<void> {
  const pending = studioStore.getState().pendingImport;
  if (!pending) return;
  studioStore.getState().setImporting(pending.fileName);
  try {
    const { model } = await getHost().confirmImport({ stagingId: pending.stagingId, settings });
    studioStore.getState().setPendingImport(null);
    await imported(model);
  } catch (error) {
    fail(`Could not import ${pending.fileName}`, error, 'Change the settings and try again, or cancel.');
  } finally {
    studioStore.getState().setImporting(null);
  }
}

/** Close the import dialog without importing. */
export async function cancelImport(): Promise<void> {
  const pending = studioStore.getState().pendingImport;
  if (!pending) return;
  studioStore.getState().setPendingImport(null);
  try {
    await getHost().cancelImport({ stagingId: pending.stagingId });
  } catch (error) {
    fail(`Could not discard the staged copy of ${pending.fileName}`, error, 'It is removed the next time the studio starts.');
  }
}

/** Give an imported model a new name. */
export async function renameModel(id: string, name: string): Promise<void> {
  try {
    await getHost().renameModel({ id, name });
    await refreshModels();
  } catch (error) {
    fail('Could not rename the model', error, 'Try another name.');
  }
}

/** Delete an imported model (to the trash). If it is open, the studio opens the default model. */
export async function deleteModel(id: string): Promise<void> {
  try {
    await getHost().deleteModel({ id });
    const { models, stages, defaultModelId, problems } = await getHost().listModels({});
    const store = studioStore.getState();
    store.setModels(models);
    store.setStages(stages);
    store.setStageChain(store.stageChain.filter((s) => stages.some((st) => st.id === s)));
    store.setLibraryProblems(problems);
    if (store.modelId === id && defaultModelId) store.selectModel(defaultModelId);
  } catch (error) {
    fail('Could not delete the model', error, 'Close other programs using its files and try again.');
  }
}

/** Show an imported model's folder in the file manager (desktop app only). */
export async function revealModel(id: string): Promise<void> {
  try {
    await getHost().revealModel({ id });
  } catch (error) {
    fail('Could not show the model folder', error, 'Open the studio data folder by hand.');
  }
}
