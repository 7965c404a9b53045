import type { UpscaleFilter } from '../../../app/export/resample';
import type { Slice } from '../types';

/** The export running now: what it is and how far it got. */
export interface ExportProgress {
  label: string;
  done: number;
  total: number;
  /** performance.now() when it started, for the ETA. */
  startedAt: number;
}

/** Export settings and the state of the running export (one at a time). */
export interface ExportsSlice {
  /** Upscale factor and filter of PNG, batch and video exports. */
  exportScale: number;
  exportFilter: UpscaleFilter;
  exportProgress: ExportProgress | null;
  /** What the last export did ("Saved … to …"), shown beside the export controls. */
  exportMessage: string | null;
  setExportOptions(options: Partial<{ exportScale: number; exportFilter: UpscaleFilter }>): void;
  setExportProgress(progress: ExportProgress | null): void;
  setExportMessage(message: string | null): void;
}

export const exportsSlice: Slice<ExportsSlice> = (set) => ({
  exportScale: 1,
  exportFilter: 'nearest',
  exportProgress: null,
  exportMessage: null,
  setExportOptions: (options) => set(options),
  setExportProgress: (exportProgress) => set({ exportProgress }),
  setExportMessage: (exportMessage) => set({ exportMessage }),
});
