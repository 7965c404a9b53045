/**
 * Opening NVIDIA's projector output (projected_w.npz) in the studio, by the Open button or a drop:
 * the file's ws becomes the main latent, explicit (app/state/explicit-latent.ts), as one undo step.
 */
import { ExplicitLatentError, parseProjectedW } from '../../app/state/explicit-latent';
import { formatBytes, MAX_NPZ_INFLATED_BYTES } from '../../app/codecs/limits';
import { studioHistory } from '../commands/history';
import { studioStore } from '../store';

/** Whether `file` is for {@link openProjectedW} (an .npz; directions are imported from the EDITS panel). */
export const isProjectedW = (file: File): boolean => /\.npz$/i.test(file.name);

/**
 * Read `file` as a projected_w.npz for the open model and make it the main latent. Problems go to
 * the error banner; resolves to whether it was applied.
 */
export async function openProjectedW(file: File): Promise<boolean> {
  const store = studioStore.getState();
  const entry = store.models.find((m) => m.id === store.modelId);
  if (!entry) {
    store.showError(`Cannot open ${file.name}: open the model it was projected with first, then open the file again.`);
    return false;
  }
  if (file.size > MAX_NPZ_INFLATED_BYTES) {
    store.showError(`Cannot open ${file.name}: it is ${formatBytes(file.size)}, far more than a projected_w.npz holds; choose the projector's projected_w.npz.`);
    return false;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    store.showError(`Could not read ${file.name}: ${(error as Error).message}. Try again.`);
    return false;
  }
  try {
    const explicit = parseProjectedW(bytes, entry.manifest, file.name);
    studioHistory.checkpoint();
    studioStore.getState().setExplicit(explicit);
    studioStore.getState().clearError();
    return true;
  } catch (error) {
    if (!(error instanceof ExplicitLatentError)) throw error;
    studioStore.getState().showError(`Cannot open ${file.name}: ${error.message}.`);
    return false;
  }
}
