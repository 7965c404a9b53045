import type { StateCreator } from 'zustand/vanilla';
import type { LibrarySlice } from './slices/library';
import type { LatentSlice } from './slices/latent';
import type { EngineSlice } from './slices/engine';
import type { ViewSlice } from './slices/view';
import type { ErrorSlice } from './slices/error';
import type { TimelineSlice } from './slices/timeline';

/** The whole studio state: the intersection of every slice. */
export type StudioState = LibrarySlice & LatentSlice & EngineSlice & ViewSlice & ErrorSlice & TimelineSlice;

/** A slice creator that can read and write the whole state. */
export type Slice<T> = StateCreator<StudioState, [], [], T>;
