import type { Direction } from '../../../app/latent/directions';
import type { Edit } from '../../../app/state/latent-state';
import type { Slice } from '../types';

/** A sample the user marked while teaching a direction by example. */
export interface TeachMark {
  id: string;
  label: 'has' | 'lacks';
  /** The seed it was drawn from (shown to the user). */
  seed: number;
  /** Its latent in the edit space: mean ws row (StyleGAN) or z. */
  vector: number[];
}

/** Long direction work under way (PCA sampling, SeFa), for the progress bar and Cancel. */
export interface DirectionJobStatus {
  kind: 'pca' | 'sefa';
  done: number;
  total: number;
}

/**
 * The open model's edit directions (its attribute sliders), the work that makes them and the
 * samples marked for teaching. A slider's position is not kept here: it is the amount of the
 * direction's {@link Edit} in `latent.edits`, so it renders, saves and animates with the state.
 */
export interface DirectionsSlice {
  /** The model `directions` belong to; null until its saved list has arrived. */
  directionsModelId: string | null;
  directions: Direction[];
  directionJob: DirectionJobStatus | null;
  /** The outcome of the last direction job, for the user ("PCA of 10000 samples in 1.2 s"). */
  directionStatus: string | null;
  teachMarks: TeachMark[];
  /** The saved list of `modelId` arrived: show it, and forget marks made on another model. */
  setDirections(modelId: string, directions: Direction[]): void;
  /** Add directions at the end; one with the id of an existing direction replaces it in place, keeping the user's name. */
  addDirections(directions: Direction[]): void;
  renameDirection(id: string, name: string): void;
  removeDirection(id: string): void;
  /** Move a direction up (−1) or down (+1) the list. */
  moveDirection(id: string, offset: -1 | 1): void;
  /** The ws rows [start, end] the direction edits; null = every row. */
  setDirectionRows(id: string, rows: [number, number] | null): void;
  /** The slider position (σ units for PCA directions); 0 removes the edit. */
  setDirectionAmount(id: string, amount: number): void;
  /** Every slider back to 0. */
  resetDirectionAmounts(): void;
  setDirectionJob(job: DirectionJobStatus | null): void;
  setDirectionStatus(status: string | null): void;
  addTeachMark(mark: TeachMark): void;
  removeTeachMark(id: string): void;
  clearTeachMarks(): void;
}

function editOf(d: Direction, amount: number): Edit {
  return { id: d.id, name: d.name, space: d.space, vector: d.vector, scale: d.scale, amount, rows: d.rows };
}

/** `edits` with `d`'s edit at `amount` (kept in place when present, appended otherwise; dropped at 0). */
function withEdit(edits: Edit[], d: Direction, amount: number): Edit[] {
  if (amount === 0) return edits.filter((e) => e.id !== d.id);
  const at = edits.findIndex((e) => e.id === d.id);
  if (at < 0) return [...edits, editOf(d, amount)];
  return edits.map((e, i) => (i === at ? editOf(d, amount) : e));
}

/** `edits` with the edit of `d` (if any) updated to `d`'s current name, vector and rows. */
function refreshEdit(edits: Edit[], d: Direction): Edit[] {
  return edits.map((e) => (e.id === d.id ? editOf(d, e.amount) : e));
}

export const directionsSlice: Slice<DirectionsSlice> = (set) => ({
  directionsModelId: null,
  directions: [],
  directionJob: null,
  directionStatus: null,
  teachMarks: [],
  setDirections: (modelId, directions) =>
    set((s) => ({
      directionsModelId: modelId,
      directions,
      directionStatus: null,
      teachMarks: s.directionsModelId === modelId ? s.teachMarks : [],
    })),
  addDirections: (added) =>
    set((s) => {
      const directions = [...s.directions];
      let edits = s.latent.edits;
      for (const d of added) {
        const at = directions.findIndex((x) => x.id === d.id);
        if (at < 0) {
          directions.push(d);
          continue;
        }
        directions[at] = { ...d, name: directions[at]!.name };
        edits = refreshEdit(edits, directions[at]!);
      }
      return { directions, latent: edits === s.latent.edits ? s.latent : { ...s.latent, edits } };
    }),
  renameDirection: (id, name) =>
    set((s) => {
      const trimmed = name.trim();
      const d = s.directions.find((x) => x.id === id);
      if (!d || trimmed === '' || trimmed === d.name) return {};
      const renamed = { ...d, name: trimmed };
      return {
        directions: s.directions.map((x) => (x.id === id ? renamed : x)),
        latent: { ...s.latent, edits: refreshEdit(s.latent.edits, renamed) },
      };
    }),
  removeDirection: (id) =>
    set((s) => ({
      directions: s.directions.filter((x) => x.id !== id),
      latent: { ...s.latent, edits: s.latent.edits.filter((e) => e.id !== id) },
    })),
  moveDirection: (id, offset) =>
    set((s) => {
      const from = s.directions.findIndex((x) => x.id === id);
      const to = from + offset;
      if (from < 0 || to < 0 || to >= s.directions.length) return {};
      const directions = [...s.directions];
      const [moved] = directions.splice(from, 1);
      directions.splice(to, 0, moved!);
      return { directions };
    }),
  setDirectionRows: (id, rows) =>
    set((s) => {
      const d = s.directions.find((x) => x.id === id);
      if (!d) return {};
      const changed = { ...d, rows };
      return {
        directions: s.directions.map((x) => (x.id === id ? changed : x)),
        latent: { ...s.latent, edits: refreshEdit(s.latent.edits, changed) },
      };
    }),
  setDirectionAmount: (id, amount) =>
    set((s) => {
      const d = s.directions.find((x) => x.id === id);
      if (!d || !Number.isFinite(amount)) return {};
      return { latent: { ...s.latent, edits: withEdit(s.latent.edits, d, amount) } };
    }),
  resetDirectionAmounts: () =>
    set((s) => {
      const ids = new Set(s.directions.map((d) => d.id));
      return { latent: { ...s.latent, edits: s.latent.edits.filter((e) => !ids.has(e.id)) } };
    }),
  setDirectionJob: (directionJob) => set({ directionJob }),
  setDirectionStatus: (directionStatus) => set({ directionStatus }),
  addTeachMark: (mark) => set((s) => ({ teachMarks: [...s.teachMarks, mark] })),
  removeTeachMark: (id) => set((s) => ({ teachMarks: s.teachMarks.filter((m) => m.id !== id) })),
  clearTeachMarks: () => set({ teachMarks: [] }),
});
