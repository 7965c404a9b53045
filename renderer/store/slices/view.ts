import type { MixGridLayout } from '../../../app/export/mix-grid';
import type { Slice } from '../types';

/** Which views are open. */
export interface ViewSlice {
  mixGridOpen: boolean;
  /**
   * A layout the grid must open with (a dropped grid PNG), numbered so that the same layout asked
   * twice opens afresh; null = the grid's own defaults.
   */
  mixGridRequest: { id: number; layout: MixGridLayout } | null;
  openMixGrid(): void;
  /** Open (or reopen) the grid on `layout`. */
  openMixGridWith(layout: MixGridLayout): void;
  closeMixGrid(): void;
}

export const viewSlice: Slice<ViewSlice> = (set) => ({
  mixGridOpen: false,
  mixGridRequest: null,
  openMixGrid: () => set({ mixGridOpen: true, mixGridRequest: null }),
  openMixGridWith: (layout) => set((s) => ({ mixGridOpen: true, mixGridRequest: { id: (s.mixGridRequest?.id ?? 0) + 1, layout } })),
  closeMixGrid: () => set({ mixGridOpen: false }),
});
