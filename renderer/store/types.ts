import type { StateCreator } from 'zustand/vanilla';
import type { LibrarySlice } from './slices/library';
import type { LatentSlice } from './slices/latent';
import type { EngineSlice } from './slices/engine';
import type { ViewSlice } from './slices/view';
import type { ErrorSlice } from './slices/error';
import type { TimelineSlice } from './slices/timeline';
import type { DirectionsSlice } from './slices/directions';
import type { MapSlice } from './slices/map';
import type { ExportsSlice } from './slices/exports';
import type { WorkspaceSlice } from './slices/workspace';
import type { LiveSlice } from './slices/live';
import type { AudioSlice } from './slices/audio';

/** The whole studio state: the intersection of every slice. */
export type StudioState = LibrarySlice & LatentSlice & EngineSlice & ViewSlice & ErrorSlice & TimelineSlice & MapSlice & DirectionsSlice & ExportsSlice & WorkspaceSlice & LiveSlice & AudioSlice;

/** A slice creator that can read and write the whole state. */
export type Slice<T> = StateCreator<StudioState, [], [], T>;
