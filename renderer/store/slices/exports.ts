import type { UpscaleFilter } from '../../../app/export/resample';
import type { StageEntry } from '../../../app/contract/channels';

/** The most stages one chain may hold (each multiplies the picture's size). */
export const MAX_STAGES = 4;
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
  /** The image2image stage packages the host offers. */
  stages: StageEntry[];
  /** The stage chain PNG, batch and video exports run through, in order (stage ids). */
  stageChain: string[];
  setStages(stages: StageEntry[]): void;
  setStageChain(chain: string[]): void;
}

export const exportsSlice: Slice<ExportsSlice> = (set) => ({
  exportScale: 1,
  exportFilter: 'nearest',
  exportProgress: null,
  exportMessage: null,
  setExportOptions: (options) => set(options),
  setExportProgress: (exportProgress) => set({ exportProgress }),
  setExportMessage: (exportMessage) => set({ exportMessage }),
  stages: [],
  stageChain: [],
  setStages: (stages) => set({ stages }),
  setStageChain: (stageChain) => set({ stageChain: stageChain.slice(0, MAX_STAGES) }),
});
