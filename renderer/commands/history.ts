/**
 * Undo and redo for every studio action, as a subscriber to the store: each change to the undoable
 * parts — the open model, the latent state (seed, ψ, cutoff, mixing, edits, classes), the timeline
 * and the direction list — becomes a step. A run of changes to the same part in quick succession
 * (a slider drag, typing a seed) is one step, unless a {@link UndoHistory.checkpoint} falls between
 * them: every click, committed change and command is one, so clicking ⟳ three times is three steps.
 * Steps are whole snapshots of those parts, which is cheap: the store never mutates, so a snapshot
 * shares everything that did not change.
 */
import type { StoreApi } from 'zustand/vanilla';
import { studioStore } from '../store';
import type { StudioState } from '../store/types';

/** The parts of the state undo restores. */
export interface Snapshot {
  modelId: StudioState['modelId'];
  latent: StudioState['latent'];
  timeline: StudioState['timeline'];
  directions: StudioState['directions'];
  directionsModelId: StudioState['directionsModelId'];
}

/** Options of {@link UndoHistory}. */
export interface HistoryOptions {
  /** Steps kept (oldest dropped first). */
  limit?: number;
  /** Changes to the same part closer together than this (ms) are one step. */
  coalesceMs?: number;
  /** Clock in ms (tests drive it). */
  now?: () => number;
}

/** The steps the studio keeps: more than the 100 an artist is promised. */
export const HISTORY_LIMIT = 200;

function snapshotOf(s: StudioState): Snapshot {
  return { modelId: s.modelId, latent: s.latent, timeline: s.timeline, directions: s.directions, directionsModelId: s.directionsModelId };
}

/** Which parts differ, as a signature: 'latent.psi', 'timeline', 'model'… Directions compare by content. */
function changes(a: Snapshot, b: Snapshot): string {
  const parts: string[] = [];
  if (a.modelId !== b.modelId) parts.push('model');
  if (a.latent !== b.latent) {
    // Keys of both sides: an optional field (the explicit latent) that goes is a change too.
    const keys = new Set([...Object.keys(a.latent), ...Object.keys(b.latent)]) as Set<keyof Snapshot['latent']>;
    for (const key of keys) if (a.latent[key] !== b.latent[key]) parts.push(`latent.${key}`);
  }
  if (a.timeline !== b.timeline) parts.push('timeline');
  // The list is reloaded from the host when a model opens: same content, new array — not a step.
  if (a.directions !== b.directions && JSON.stringify(a.directions) !== JSON.stringify(b.directions)) parts.push('directions');
  return parts.join(',');
}

/** The undo history of one store. */
export class UndoHistory {
  private past: Snapshot[] = [];
  private future: Snapshot[] = [];
  private present: Snapshot;
  private last: { signature: string; at: number } | null = null;
  private applying = false;
  private listeners = new Set<() => void>();
  private readonly limit: number;
  private readonly coalesceMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: StoreApi<StudioState>,
    options: HistoryOptions = {},
  ) {
    this.limit = options.limit ?? HISTORY_LIMIT;
    this.coalesceMs = options.coalesceMs ?? 600;
    this.now = options.now ?? (() => performance.now());
    this.present = snapshotOf(store.getState());
    store.subscribe((state) => this.record(state));
  }

  private record(state: StudioState): void {
    if (this.applying) return;
    const next = snapshotOf(state);
    const signature = changes(this.present, next);
    if (signature === '') {
      this.present = next;
      return;
    }
    // Opening the first model, and a model's direction list arriving, are not the user's actions.
    if (this.present.modelId === null || next.directionsModelId !== this.present.directionsModelId) {
      this.present = next;
      return;
    }
    const at = this.now();
    const coalesce = this.last !== null && this.last.signature === signature && at - this.last.at < this.coalesceMs;
    if (!coalesce) {
      this.past.push(this.present);
      if (this.past.length > this.limit) this.past.shift();
    }
    this.present = next;
    this.future = [];
    this.last = { signature, at };
    this.notify();
  }

  /** Whether there is a step to undo / redo. */
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /** Steps that can be undone. */
  get depth(): number {
    return this.past.length;
  }

  /** Go back one step. */
  undo(): void {
    const previous = this.past.pop();
    if (!previous) return;
    this.future.push(this.present);
    this.restore(previous);
  }

  /** Go forward one step. */
  redo(): void {
    const next = this.future.pop();
    if (!next) return;
    this.past.push(this.present);
    this.restore(next);
  }

  /** End the current run of changes: the next change is a step of its own (a click, a command). */
  checkpoint(): void {
    this.last = null;
  }

  /** Start afresh from the current state (a project was opened). */
  reset(): void {
    this.past = [];
    this.future = [];
    this.present = snapshotOf(this.store.getState());
    this.last = null;
    this.notify();
  }

  /** Be told when undo/redo availability may have changed; returns the unsubscriber. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private restore(snapshot: Snapshot): void {
    const state = this.store.getState();
    this.applying = true;
    try {
      this.store.setState({
        modelId: snapshot.modelId,
        latent: snapshot.latent,
        timeline: snapshot.timeline,
        // Another model's list is not restored over this one's: the model's own list loads with it.
        ...(snapshot.directionsModelId === state.directionsModelId ? { directions: snapshot.directions } : {}),
        selectedKeyframe: state.selectedKeyframe !== null && state.selectedKeyframe < snapshot.timeline.keyframes.length ? state.selectedKeyframe : null,
        playing: false,
      });
    } finally {
      this.applying = false;
    }
    this.present = { ...snapshot, directionsModelId: this.store.getState().directionsModelId, directions: this.store.getState().directions };
    this.last = null;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The window's undo history, over the window's store. */
export const studioHistory = new UndoHistory(studioStore);
