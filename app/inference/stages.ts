/**
 * Image-to-image stages after the generator (super-resolution, translators): how a chain of them
 * turns the generator's image into the exported one. Each stage's values are mapped from the
 * previous range into the stage's `input_range`, its channels matched, and it is run in tiles
 * (tiling.ts) so memory stays bounded; the chain's result keeps the last stage's `output_range`.
 * The runtime that owns the sessions supplies {@link StageSession}s (app/runtime/ort-stage.ts).
 */
import type { Tensor } from './runner';
import { runTiled, type TileOptions } from './tiling';
import type { StageManifest } from '../model/stage-manifest';

/** A loaded stage: one graph run on a tile [N, C, h, w] in its input range → [N, C', scale·h, scale·w]. */
export interface StageSession {
  readonly manifest: StageManifest;
  run(tile: Tensor): Promise<Tensor>;
  dispose(): Promise<void>;
}

/** A stage as a job names it: the package id (its files stream from the host) and its manifest. */
export interface StageRef {
  readonly id: string;
  readonly manifest: StageManifest;
}

/** The default tile edge (input pixels) for stages whose manifest gives no hint. */
export const DEFAULT_TILE_SIZE = 256;
/** The default overlap for stages that declare neither a tile hint nor a receptive field. */
export const DEFAULT_TILE_OVERLAP = 16;

/** The tiling a stage runs with: its manifest's hint, else the defaults with the overlap raised to its receptive field. */
export function stageTiles(manifest: StageManifest): TileOptions {
  if (manifest.tile) return manifest.tile;
  const overlap = Math.max(DEFAULT_TILE_OVERLAP, manifest.receptive_field ?? 0);
  return { size: Math.max(DEFAULT_TILE_SIZE, 4 * overlap), overlap };
}

/** The edge of a `resolution` px picture after every stage of `chain`. */
export function chainResolution(resolution: number, chain: readonly Pick<StageManifest, 'scale'>[]): number {
  return chain.reduce((r, stage) => r * stage.scale, resolution);
}

/** `image` with values mapped linearly from range `from` to range `to` (a new tensor). */
export function mapRange(image: Tensor, from: readonly [number, number], to: readonly [number, number]): Tensor {
  const a = (to[1] - to[0]) / (from[1] - from[0]);
  const b = to[0] - from[0] * a;
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = image.data[i]! * a + b;
  return { data, dims: image.dims };
}

/** `image` with `channels` channels: grey repeated into RGB, or RGB to grey by Rec. 601 luma. */
export function matchChannels(image: Tensor, channels: 1 | 3): Tensor {
  const [n, c, h, w] = image.dims as [number, number, number, number];
  if (c === channels) return image;
  if (c !== 1 && c !== 3) throw new Error(`a stage takes 1 or 3 channels, got ${c}`);
  const plane = h * w;
  const out = new Float32Array(n * channels * plane);
  for (let b = 0; b < n; b++) {
    const src = image.data.subarray(b * c * plane, (b + 1) * c * plane);
    if (channels === 3) for (let k = 0; k < 3; k++) out.set(src, (b * 3 + k) * plane);
    else for (let p = 0; p < plane; p++) out[b * plane + p] = 0.299 * src[p]! + 0.587 * src[plane + p]! + 0.114 * src[2 * plane + p]!;
  }
  return { data: out, dims: [n, channels, h, w] };
}

/**
 * Run `image` (values in `range`) through every stage of `chain` in order; returns the final image
 * and its value range. An empty chain returns the input unchanged.
 */
export async function applyStages(
  image: Tensor,
  range: readonly [number, number],
  chain: readonly StageSession[],
): Promise<{ image: Tensor; range: readonly [number, number] }> {
  let current = image;
  let currentRange = range;
  for (const stage of chain) {
    const m = stage.manifest;
    const input = mapRange(matchChannels(current, m.img_channels), currentRange, m.input_range);
    current = await runTiled(input, m.scale, stageTiles(m), (tile) => stage.run(tile));
    currentRange = m.output_range;
  }
  return { image: current, range: currentRange };
}
