/**
 * Dropping an exported PNG onto the studio window restores the state it was made from: its
 * provenance record names the model (switched to if needed, refused if missing or different) and
 * holds the full latent state. A mixing-grid PNG opens the mixing grid on its recorded layout.
 */
import { useEffect } from 'react';
import { layoutOfRecord } from '../../app/export/mix-grid';
import { readStudioRecord } from '../../app/records/mix-grid-provenance';
import { formatBytes, MAX_PNG_FILE_BYTES } from '../../app/codecs/limits';
import { modelSha256, ProvenanceError } from '../../app/records/provenance';
import { stateExplicitMismatch } from '../../app/state/explicit-latent';
import { studioStore } from '../store';

/**
 * Restore the state recorded in `png` (bytes of a file named `name`). Problems go to the error
 * banner; returns whether the state was restored.
 */
export function restoreFromPng(png: Uint8Array, name: string): boolean {
  const store = studioStore.getState();
  let read;
  try {
    read = readStudioRecord(png);
  } catch (error) {
    if (!(error instanceof ProvenanceError)) throw error;
    store.showError(`Cannot restore from ${name}: ${error.message}.`);
    return false;
  }
  const { record } = read;
  const entry = store.models.find((m) => m.id === record.model.id);
  if (!entry) {
    store.showError(`${name} was made with model "${record.model.name}" (${record.model.id}), which is not in your library. Import that model package, then drop the image again.`);
    return false;
  }
  if (modelSha256(entry.manifest) !== record.model.sha256) {
    store.showError(
      `${name} was made with other weights than your "${entry.name}" (sha256 ${record.model.sha256.slice(0, 12)}… vs ${modelSha256(entry.manifest).slice(0, 12)}…): its state would not give the same picture. Import the model package it was made with.`,
    );
    return false;
  }
  // Switching models resets state that means nothing across models; the record's state comes after.
  if (store.modelId !== entry.id) store.selectModel(entry.id);
  if (read.kind === 'mix-grid') {
    studioStore.getState().openMixGridWith(layoutOfRecord(read.record));
    studioStore.getState().clearError();
    studioStore.getState().setExportMessage(`Opened the mixing grid of ${name}`);
    return true;
  }
  const mismatch = stateExplicitMismatch(read.record.state, entry.manifest);
  if (mismatch) {
    store.showError(`Cannot restore from ${name}: ${mismatch}.`);
    return false;
  }
  studioStore.getState().setLatent(read.record.state);
  studioStore.getState().clearError();
  studioStore.getState().setExportMessage(`Restored the state of ${name}`);
  return true;
}

function hasFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

/** Accept PNG drops anywhere on the studio window (installed once, by the App). */
export function usePngDrop(): void {
  useEffect(() => {
    const over = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault(); // without this the browser would open the file instead of dropping it
      event.dataTransfer!.dropEffect = 'copy';
    };
    const drop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      const file = event.dataTransfer!.files[0];
      if (!file) return;
      // Models and projects are renderer/platform/file-drop.ts's to import or open.
      if (!/\.png$/i.test(file.name) && file.type !== 'image/png') return;
      if (file.size > MAX_PNG_FILE_BYTES) {
        studioStore.getState().showError(`${file.name} is ${formatBytes(file.size)}, more than the ${formatBytes(MAX_PNG_FILE_BYTES)} a PNG the studio reads may be: drop an image the studio exported.`);
        return;
      }
      file.arrayBuffer().then(
        (buffer) => restoreFromPng(new Uint8Array(buffer), file.name),
        (error: Error) => studioStore.getState().showError(`Could not read ${file.name}: ${error.message}. Try dropping it again.`),
      );
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);
}
