/**
 * The studio's one zustand store, built from typed slices (one file each in slices/). Components
 * select narrowly; per-frame values (the frame time) are read through `subscribe` into refs rather
 * than React state.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { StudioState } from './types';
import { librarySlice } from './slices/library';
import { latentSlice } from './slices/latent';
import { engineSlice } from './slices/engine';
import { viewSlice } from './slices/view';
import { errorSlice } from './slices/error';
import { timelineSlice } from './slices/timeline';
import { directionsSlice } from './slices/directions';
import { mapSlice } from './slices/map';
import { exportsSlice } from './slices/exports';
import { workspaceSlice } from './slices/workspace';
import { liveSlice } from './slices/live';
import { audioSlice } from './slices/audio';

export type { StudioState } from './types';
export { MAX_SEED } from './slices/latent';

/** Create a studio store (one per window; tests create their own). */
export function createStudioStore() {
  return createStore<StudioState>()((...a) => ({
    ...librarySlice(...a),
    ...latentSlice(...a),
    ...engineSlice(...a),
    ...viewSlice(...a),
    ...errorSlice(...a),
    ...timelineSlice(...a),
    ...directionsSlice(...a),
    ...mapSlice(...a),
    ...exportsSlice(...a),
    ...workspaceSlice(...a),
    ...liveSlice(...a),
    ...audioSlice(...a),
  }));
}

/** The window's store. */
export const studioStore = createStudioStore();

/** React hook: select a narrow part of the studio state. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(studioStore, selector);
}
