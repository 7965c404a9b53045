import type { Slice } from '../types';

/** Which views are open. */
export interface ViewSlice {
  mixGridOpen: boolean;
  openMixGrid(): void;
  closeMixGrid(): void;
}

export const viewSlice: Slice<ViewSlice> = (set) => ({
  mixGridOpen: false,
  openMixGrid: () => set({ mixGridOpen: true }),
  closeMixGrid: () => set({ mixGridOpen: false }),
});
