/**
 * Still exports from the studio: the current state as a PNG with provenance, its ws as .npy/.npz,
 * and batches (a seed list to a folder of PNGs plus a contact sheet). Pixels and latents come from
 * the inference worker's 'export-frame' job (through the export's stage chain, except for ws
 * files), files are written by the host.
 */
import { contactSheet, sheetThumbnail, type SheetItem } from '../../app/export/contact-sheet';
import { rgbBytes, seedFileName, stillPng, wsNpy, wsNpz } from '../../app/export/still';
import { encodePng } from '../../app/codecs/png';
import { parseSeedList } from '../../app/latent/seed-list';
import type { LatentState } from '../../app/state/latent-state';
import { studioStore } from '../store';
import { saveFile } from './host-file';
import { checkCancelled, folderOf, jobItems, openModel, runExport, softwareName, stageRefs } from './task';

function pad(seed: number): string {
  return String(seed).padStart(4, '0');
}

/** Export the current state as a PNG at the chosen scale and filter. */
export function exportPng(): Promise<void> {
  return runExport('PNG export', 1, async (progress, signal) => {
    const entry = openModel();
    const { latent, exportScale: scale, exportFilter: filter } = studioStore.getState();
    const software = await softwareName();
    for await (const frame of jobItems({ kind: 'export-frame', params: { states: [latent], stages: stageRefs() } }, signal)) {
      const png = stillPng(frame, { manifest: entry.manifest, state: latent, scale, filter, software });
      checkCancelled(signal);
      const saved = await saveFile(`${entry.id}-seed${pad(latent.seed)}${scale > 1 ? `-${scale}x` : ''}.png`, 'png', png);
      progress(1);
      return `Saved ${saved.name} in ${folderOf(saved.path)}`;
    }
    throw new Error('the renderer returned no image');
  });
}

/** Export the current ws as .npy or as .npz (key `w`), shape [1, num_ws, w_dim]. */
export function exportWs(kind: 'npy' | 'npz'): Promise<void> {
  return runExport(`.${kind} export`, 1, async (progress, signal) => {
    const entry = openModel();
    const { latent } = studioStore.getState();
    for await (const frame of jobItems({ kind: 'export-frame', params: { states: [latent] } }, signal)) {
      if (!frame.ws) throw new Error(`model "${entry.name}" has no W space, so there is no ws to export`);
      const bytes = kind === 'npy' ? wsNpy(frame.ws, entry.manifest) : wsNpz(frame.ws, entry.manifest);
      const saved = await saveFile(`${entry.id}-seed${pad(latent.seed)}-w.${kind}`, kind, bytes);
      progress(1);
      return `Saved ${saved.name} in ${folderOf(saved.path)}`;
    }
    throw new Error('the renderer returned no latents');
  });
}

/** A folder name for a batch: model, seed list and time, without characters file systems refuse. */
function batchFolder(modelId: string, seedsText: string): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const seeds = seedsText.replace(/\s+/g, '').replace(/[^0-9,-]/g, '').slice(0, 40);
  return `${modelId}-seeds-${seeds}-${stamp}`;
}

/**
 * Export every seed of `seedsText` (e.g. `0-99,200`) with the current ψ, cutoff, mixing, edits and
 * class, as `seed0000.png` … in a new folder, then `contact-sheet.png` of them all. Throws
 * SeedListError before starting when the list is malformed.
 */
export function exportBatch(seedsText: string): Promise<void> {
  const seeds = parseSeedList(seedsText);
  return runExport(`Batch of ${seeds.length}`, seeds.length + 1, async (progress, signal) => {
    const entry = openModel();
    const { latent, exportScale: scale, exportFilter: filter } = studioStore.getState();
    const software = await softwareName();
    const folder = batchFolder(entry.id, seedsText);
    const states: LatentState[] = seeds.map((seed) => ({ ...structuredClone(latent), seed }));
    // Thumbnails only: a sheet of a thousand full-size images would not fit in memory.
    const sheet: SheetItem[] = [];
    let where = '';
    for await (const frame of jobItems({ kind: 'export-frame', params: { states, stages: stageRefs() } }, signal)) {
      const state = states[frame.index]!;
      const saved = await saveFile(seedFileName(state.seed), 'png', stillPng(frame, { manifest: entry.manifest, state, scale, filter, software }), folder);
      where = folderOf(saved.path);
      sheet.push({ image: sheetThumbnail(frame.image), label: String(state.seed) });
      progress(sheet.length);
    }
    const image = contactSheet(sheet);
    const description = `Latent Studio contact sheet: model ${entry.id}, seeds ${seedsText}, psi ${latent.psi}`;
    await saveFile('contact-sheet.png', 'png', encodePng(rgbBytes(image), image.width, image.height, { text: { Description: description } }), folder);
    progress(seeds.length + 1);
    return `Saved ${seeds.length} PNGs and contact-sheet.png in ${where}`;
  });
}
