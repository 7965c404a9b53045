/**
 * Dropping files onto the studio window: model packages (a folder in the desktop app, a .zip, a
 * single .onnx) are imported, a project file (.json) is opened, a projected_w.npz becomes the main
 * latent (renderer/project/projected-w.ts). PNGs are left to the export
 * module's drop handler (renderer/export/drop.ts), which restores the state they were made from.
 */
import { useEffect } from 'react';
import { importModelFiles } from '../library/model-library';
import { openProjectFile } from '../project/project';
import { isProjectedW, openProjectedW } from '../project/projected-w';
import { studioStore } from '../store';

const isPng = (file: File) => /\.png$/i.test(file.name) || file.type === 'image/png';
const isProject = (file: File) => /\.json$/i.test(file.name);

/** Sort dropped files into what to import and what to open; refuse folders where the host cannot read them. */
function dispatch(event: DragEvent): void {
  const transfer = event.dataTransfer;
  if (!transfer) return;
  const files = Array.from(transfer.files);
  const folders = new Set(
    Array.from(transfer.items)
      .map((item, i) => (item.webkitGetAsEntry?.()?.isDirectory ? files[i] : undefined))
      .filter((f): f is File => f !== undefined),
  );
  const desktop = Boolean(studioStore.getState().hostInfo?.capabilities.filePaths);
  if (folders.size > 0 && !desktop) {
    const names = [...folders].map((f) => f.name).join(', ');
    studioStore.getState().showError(`The browser studio cannot read folders (${names}): drop a .zip of the model folder instead, or use the desktop app.`);
  }
  const models = files.filter((f) => !isPng(f) && !isProject(f) && !isProjectedW(f) && (desktop || !folders.has(f)));
  const project = files.find((f) => isProject(f));
  const projected = files.find((f) => isProjectedW(f));
  if (projected) void openProjectedW(projected);
  if (models.length > 0) void importModelFiles(models);
  if (project) void openProjectFile(project);
}

/** Accept model and project drops anywhere on the studio window (installed once, by the App). */
export function useFileDrop(): void {
  useEffect(() => {
    const drop = (event: DragEvent) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault(); // the browser would otherwise open the file in place of the studio
      dispatch(event);
    };
    window.addEventListener('drop', drop);
    return () => window.removeEventListener('drop', drop);
  }, []);
}
