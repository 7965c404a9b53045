/**
 * Export of the style-mixing grid as one PNG: composed from the grid's rendered cells at model
 * resolution (app/export/mix-grid.ts), scaled as the export menu says, and written by the host
 * like every other export, with the grid's layout and cell states in its `latent-studio` record.
 */
import { mixGridPng, type MixGridLayout } from '../../app/export/mix-grid';
import type { Rgba } from '../../app/inference/image';
import { studioStore } from '../store';
import { saveFile } from './host-file';
import { folderOf, openModel, runExport, softwareName } from './task';

/** File name of a grid: model, B's layers and the grid's size, e.g. `emoji-stylegan-mix-grid-coarse-4x4.png`. */
export function mixGridFileName(modelId: string, layout: MixGridLayout): string {
  return `${modelId}-mix-grid-${layout.preset ?? 'rows'}-${layout.seedsA.length}x${layout.seedsB.length}.png`;
}

/**
 * Save the grid whose pictures are `images` (in app/export/mix-grid.ts's item order) for
 * `modelId`. Failures go to the error banner (runExport).
 */
export function exportMixGrid(modelId: string, layout: MixGridLayout, images: readonly Rgba[]): Promise<void> {
  return runExport('Mixing-grid export', 1, async (progress) => {
    const entry = openModel();
    if (entry.id !== modelId) throw new Error(`the grid shows "${modelId}" but "${entry.id}" is open now; render the grid again`);
    const { exportScale: scale, exportFilter: filter } = studioStore.getState();
    const png = mixGridPng({ manifest: entry.manifest, layout, images, scale, filter, software: await softwareName() });
    const saved = await saveFile(mixGridFileName(entry.id, layout), 'png', png);
    progress(1);
    return `Saved ${saved.name} in ${folderOf(saved.path)}`;
  });
}
