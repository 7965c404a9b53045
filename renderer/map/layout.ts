/**
 * What the map controller and its parts share: the sampled points, their layout in the world (PCA
 * or UMAP positions framed to the view) with the arithmetic that builds it, and how a failed map
 * job reports itself.
 */
import type { Manifest } from '../../app/model/manifest';
import type { Pca } from '../../app/latent/pca';
import type { MapFrame } from '../../app/latent/map-projection';
import { WorkerStoppedError } from '../inference/client';
import { studioStore } from '../store';

/** The open model's sampled latents and their PCA coordinates (k ≤ 32). */
export interface Samples {
  manifest: Manifest;
  count: number;
  dim: number;
  seeds: Uint32Array;
  classes: Int32Array;
  vectors: Float32Array;
  basis: Pca | null;
  /** PCA coordinates kept per point (k ≤ 32). */
  k: number;
  coords: Float32Array;
  projected: number;
}

/** Where the drawn points sit in the world, and how any latent is placed among them. */
export interface Layout {
  /** Point index of each drawn instance. */
  points: Uint32Array;
  /** Instance of each point (−1: not drawn). */
  instanceOf: Int32Array;
  positions: Float32Array;
  /** World position of any latent from its PCA coordinates. */
  place(coords: ArrayLike<number>): [number, number, number];
}

/** The PCA coordinates of `rows`, k each, packed. */
export function gather(coords: Float32Array, k: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) out.set(coords.subarray(rows[i]! * k, rows[i]! * k + k), i * k);
  return out;
}

/** A layout position in world units: centred and scaled by `frame`. */
export function toWorld(frame: MapFrame, x: number, y: number, z: number): [number, number, number] {
  return [(x - frame.centre[0]) * frame.scale, (y - frame.centre[1]) * frame.scale, (z - frame.centre[2]) * frame.scale];
}

/** The layout of `points` at their raw 3-D positions `raw`, framed by `frame`. */
export function layoutOf(points: Uint32Array, count: number, raw: Float32Array, frame: MapFrame, place: (c: ArrayLike<number>) => [number, number, number]): Layout {
  const positions = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i += 3) positions.set(toWorld(frame, raw[i]!, raw[i + 1]!, raw[i + 2]!), i);
  const instanceOf = new Int32Array(count).fill(-1);
  points.forEach((p, i) => (instanceOf[p] = i));
  return {
    points,
    instanceOf,
    positions,
    place: (c) => {
      const [x, y, z] = place(c);
      return toWorld(frame, x, y, z);
    },
  };
}

/**
 * Show a failed map job's message, except when the worker stopped: the studio says so itself,
 * restarts the worker and reloads the model, and the map then samples again.
 */
export function reportJobError(error: Error, message: string): void {
  if (!(error instanceof WorkerStoppedError)) studioStore.getState().showError(message);
}
