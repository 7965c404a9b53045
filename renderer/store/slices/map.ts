import type { Edit } from '../../../app/state/latent-state';
import type { Timeline } from '../../../app/state/timeline';
import { MAP_MAX_POINTS } from '../../../app/jobs/map-jobs';
import type { Slice, StudioState } from '../types';

/** How the map's 3-D positions are made from the sampled latents. */
export type MapProjection = 'pca' | 'umap';

/** Point counts the map offers. */
export const MAP_COUNTS = [500, 2_000, 5_000, 10_000, MAP_MAX_POINTS] as const;
/** The map's default point count. */
export const DEFAULT_MAP_COUNT = 2_000;

/** What the points' colours show. */
export type MapColouring = { by: 'position' } | { by: 'class' } | { by: 'direction'; id: string };

/** One example picked on the map for a taught direction. */
export interface MapExample {
  seed: number;
  /** The point's class (conditional models), −1 otherwise. */
  classIndex: number;
  /** The point's latent in the map's space: its w (StyleGAN; w_dim values) or z (z_dim values). */
  vector: number[];
}

/** Points marked on the map as positive or negative examples (what a taught direction learns from). */
export interface MapSelection {
  positive: MapExample[];
  negative: MapExample[];
}

/** What the map is doing. */
export type MapStatus =
  | { phase: 'idle' }
  | { phase: 'sampling' | 'projecting' | 'umap'; done: number; total: number }
  | { phase: 'ready' }
  | { phase: 'unavailable'; message: string };

/** A direction the map draws as an axis from the current point and can colour by. */
export interface MapDirection {
  id: string;
  name: string;
  space: 'w' | 'z';
  vector: readonly number[];
  /** Slider units → latent units (σ for GANSpace, 1 otherwise). */
  scale: number;
  /** ws rows it moves (W space); null = all. */
  rows: readonly [number, number] | null;
}

/** The latent map's view state; its data (points, basis, GPU objects) lives in renderer/map/. */
export interface MapSlice {
  mapOpen: boolean;
  mapCount: number;
  mapProjection: MapProjection;
  /** Projection re-centred on the current latent (its neighbourhood only). */
  mapLocal: boolean;
  /** Bumped by each "recentre": the re-centred projection is made again around the latent of that moment. */
  mapCentre: number;
  mapColouring: MapColouring;
  /** While not 'orbit', a drag on the map draws a selection box of that kind. */
  mapSelectMode: 'orbit' | 'positive' | 'negative';
  mapSelection: MapSelection;
  mapStatus: MapStatus;
  toggleMap(): void;
  setMapCount(count: number): void;
  setMapProjection(projection: MapProjection): void;
  /** Leave the re-centred projection for the whole map. */
  showWholeMap(): void;
  /** Project again around the current latent (its neighbourhood only). */
  recentreMap(): void;
  setMapColouring(colouring: MapColouring): void;
  setMapSelectMode(mode: MapSlice['mapSelectMode']): void;
  /** Add examples to one side; a point already on either side moves to this one. */
  addMapExamples(kind: 'positive' | 'negative', examples: MapExample[]): void;
  clearMapSelection(): void;
  /** Hand the marked points to "teach by example" (positive = has, negative = lacks) and clear the marks. */
  teachFromMapSelection(): void;
  setMapStatus(status: MapStatus): void;
}

/** The timeline whose keyframes and path the map draws. */
export const selectMapTimeline = (s: StudioState): Timeline => s.timeline;

/**
 * The directions the map draws as axes and offers for colouring: the current latent's edits
 * (moved sliders first, then edits loaded with the state), then the rest of the model's directions.
 */
export function mapDirections(directions: readonly MapDirection[], edits: readonly Edit[]): MapDirection[] {
  const pick = ({ id, name, space, vector, scale, rows }: MapDirection): MapDirection => ({ id, name, space, vector, scale, rows });
  const moved = edits.filter((e) => e.amount !== 0);
  const seen = new Set(moved.map((e) => e.id));
  const rest = [...edits.filter((e) => !seen.has(e.id)), ...directions.filter((d) => !edits.some((e) => e.id === d.id))];
  return [...moved, ...rest].map(pick);
}

/** {@link mapDirections} of the store. */
export const selectMapDirections = (s: StudioState): MapDirection[] => mapDirections(s.directions, s.latent.edits);

let nextMark = 1;

export const mapSlice: Slice<MapSlice> = (set, get) => ({
  mapOpen: true,
  mapCount: DEFAULT_MAP_COUNT,
  mapProjection: 'pca',
  mapLocal: false,
  mapCentre: 0,
  mapColouring: { by: 'position' },
  mapSelectMode: 'orbit',
  mapSelection: { positive: [], negative: [] },
  mapStatus: { phase: 'idle' },
  toggleMap: () => set((s) => ({ mapOpen: !s.mapOpen })),
  setMapCount: (count) => set({ mapCount: Math.max(3, Math.min(MAP_MAX_POINTS, Math.round(count))) }),
  setMapProjection: (mapProjection) => set({ mapProjection }),
  showWholeMap: () => set({ mapLocal: false }),
  recentreMap: () => set((s) => ({ mapLocal: true, mapCentre: s.mapCentre + 1 })),
  setMapColouring: (mapColouring) => set({ mapColouring }),
  setMapSelectMode: (mapSelectMode) => set({ mapSelectMode }),
  addMapExamples: (kind, examples) =>
    set((s) => {
      const key = (e: MapExample) => `${e.seed}:${e.classIndex}`;
      const added = new Set(examples.map(key));
      const next: MapSelection = {
        positive: s.mapSelection.positive.filter((e) => !added.has(key(e))),
        negative: s.mapSelection.negative.filter((e) => !added.has(key(e))),
      };
      next[kind] = [...next[kind], ...examples];
      return { mapSelection: next };
    }),
  clearMapSelection: () => set({ mapSelection: { positive: [], negative: [] } }),
  teachFromMapSelection: () => {
    const { mapSelection, teachMarks, addTeachMark } = get();
    const sides = [
      ['has', mapSelection.positive],
      ['lacks', mapSelection.negative],
    ] as const;
    for (const [label, examples] of sides) {
      for (const { seed, vector } of examples) {
        if (teachMarks.some((m) => m.seed === seed && m.label === label)) continue;
        addTeachMark({ id: `map-${Date.now().toString(36)}-${nextMark++}`, label, seed, vector });
      }
    }
    set({ mapSelection: { positive: [], negative: [] } });
  },
  setMapStatus: (mapStatus) => set({ mapStatus }),
});
