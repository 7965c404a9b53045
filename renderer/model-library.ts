/**
 * The model library in the renderer: importing files the user drops or picks (the settings dialog
 * for a single .onnx), and renaming, deleting and revealing imported models. Every outcome the
 * user must know about goes to the one error banner, saying what happened and what to do.
 */
import type { ModelEntry, PlainImportSettings } from '../app/contract';
import { getHost, importModelFile } from './host';
import { studioStore } from './store';

function fail(what: string, error: unknown, next: string): void {
  studioStore.getState().showError(`${what}: ${(error as Error).message}. ${next}`);
}

/** List the models again (after an import, rename or delete). */
export async function refreshModels(): Promise<void> {
  const { models, problems } = await getHost().listModels({});
  studioStore.getState().setModels(models);
  studioStore.getState().setLibraryProblems(problems);
}

async function imported(model: ModelEntry): Promise<void> {
  await refreshModels();
  studioStore.getState().clearError();
  studioStore.getState().selectModel(model.id);
}

/** Import model files one after another: folders (Electron), .zip packages and single .onnx generators. */
export async function importModelFiles(files: readonly File[]): Promise<void> {
  for (const file of files) {
    studioStore.getState().setImporting(file.name);
    try {
      const result = await importModelFile(file);
      if (result.status === 'imported') await imported(result.model);
      else studioStore.getState().setPendingImport(result);
    } catch (error) {
      fail(`Could not import ${file.name}`, error, 'Your library was not changed.');
    } finally {
      studioStore.getState().setImporting(null);
    }
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
    const { models, defaultModelId, problems } = await getHost().listModels({});
    const store = studioStore.getState();
    store.setModels(models);
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
