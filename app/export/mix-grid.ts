/**
 * The style-mixing grid as the StyleGAN paper draws it: seeds A across the top (header row), seeds
 * B down the side (header column), and in every cell A with B's chosen ws rows. This module holds
 * its layout, the states of its images, and its composition into one PNG whose `latent-studio`
 * chunk records the layout and every cell's state (docs/PROVENANCE.md, "Mixing grids").
 */
import type { Rgba } from '../inference/image';
import type { MixPreset } from '../latent/presets';
import type { Manifest } from '../model/manifest';
import { latentState, type LatentState } from '../state/latent-state';
import { encodePng, PROVENANCE_KEYWORD } from '../codecs/png';
import { mixGridRecordText, type MixGridCell, type MixGridRecord } from '../records/mix-grid-provenance';
import { modelSha256, PROVENANCE_FORMAT } from '../records/provenance';
import { upscale, type UpscaleFilter } from './resample';
import { rgbBytes } from './still';

/** What a grid shows: seeds A (columns), seeds B (rows), the ws rows taken from B, and ψ / cutoff for all. */
export interface MixGridLayout {
  seedsA: number[];
  seedsB: number[];
  /** The preset `rows` came from, or null for a hand-picked set. */
  preset: MixPreset | null;
  rows: number[];
  psi: number;
  cutoff: number | null;
}

/** One image of the grid: a header (`a`: column i's seed, `b`: row j's seed) or a mixed cell. */
export interface MixGridItem {
  role: 'a' | 'b' | 'mix';
  /** Column (index into seedsA), null for the B header. */
  a: number | null;
  /** Row (index into seedsB), null for the A header. */
  b: number | null;
  state: LatentState;
}

/** Every image of the grid in render order: the A row, the B column, then the mixed cells row by row. */
export function mixGridItems(layout: MixGridLayout): MixGridItem[] {
  const base = { psi: layout.psi, cutoff: layout.cutoff };
  const items: MixGridItem[] = [];
  layout.seedsA.forEach((seed, i) => items.push({ role: 'a', a: i, b: null, state: latentState({ ...base, seed }) }));
  layout.seedsB.forEach((seed, j) => items.push({ role: 'b', a: null, b: j, state: latentState({ ...base, seed }) }));
  layout.seedsB.forEach((b, j) =>
    layout.seedsA.forEach((a, i) =>
      items.push({ role: 'mix', a: i, b: j, state: latentState({ ...base, seed: a, mix: [{ seed: b, rows: [...layout.rows] }] }) }),
    ),
  );
  return items;
}

/** The gap between cells, px at model resolution: thin enough to read as one figure, wide enough to separate it. */
export function mixGridGap(cellWidth: number): number {
  return Math.max(1, Math.round(cellWidth / 16));
}

/** Where an item sits, px at model resolution: grid column 0 is the B header column, grid row 0 the A header row. */
export function mixGridPlace(item: Pick<MixGridItem, 'a' | 'b'>, cellWidth: number, cellHeight: number, gap: number): { x: number; y: number } {
  const column = item.a === null ? 0 : item.a + 1;
  const row = item.b === null ? 0 : item.b + 1;
  return { x: column * (cellWidth + gap), y: row * (cellHeight + gap) };
}

const BACKGROUND = [22, 23, 26] as const;

/**
 * Compose the grid: `images[k]` is the picture of `items[k]`, all of one size (the model's
 * resolution). The corner above the B column stays background. Throws RangeError on a count or
 * size mismatch.
 */
export function composeMixGrid(layout: MixGridLayout, images: readonly Rgba[]): { image: Rgba; gap: number } {
  const items = mixGridItems(layout);
  if (images.length !== items.length) throw new RangeError(`a ${layout.seedsA.length}×${layout.seedsB.length} grid needs ${items.length} images, got ${images.length}`);
  const first = images[0];
  if (!first) throw new RangeError('a mixing grid needs at least one seed A and one seed B');
  const { width: cw, height: ch } = first;
  if (images.some((i) => i.width !== cw || i.height !== ch)) throw new RangeError('every image of a mixing grid must have the model resolution');
  const gap = mixGridGap(cw);
  const width = (layout.seedsA.length + 1) * (cw + gap) - gap;
  const height = (layout.seedsB.length + 1) * (ch + gap) - gap;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < data.length; p += 4) {
    data[p] = BACKGROUND[0];
    data[p + 1] = BACKGROUND[1];
    data[p + 2] = BACKGROUND[2];
    data[p + 3] = 255;
  }
  items.forEach((item, k) => {
    const { x, y } = mixGridPlace(item, cw, ch, gap);
    const src = images[k]!.data;
    for (let row = 0; row < ch; row++) data.set(src.subarray(row * cw * 4, (row + 1) * cw * 4), ((y + row) * width + x) * 4);
  });
  return { image: { width, height, data }, gap };
}

/** How a grid PNG is written. */
export interface MixGridPngOptions {
  manifest: Manifest;
  layout: MixGridLayout;
  /** The picture of each of {@link mixGridItems}' items, in that order, at model resolution. */
  images: readonly Rgba[];
  scale: number;
  filter: UpscaleFilter;
  /** Writer name and version, e.g. "Latent Studio 0.1.0". */
  software: string;
}

/** The grid's provenance record: the layout, and every cell's state and place in the (scaled) image. */
export function mixGridRecord(options: Omit<MixGridPngOptions, 'images'> & { cellWidth: number; cellHeight: number; gap: number }): MixGridRecord {
  const { manifest, layout, scale, cellWidth, cellHeight, gap } = options;
  const cells: MixGridCell[] = mixGridItems(layout).map((item) => {
    const { x, y } = mixGridPlace(item, cellWidth, cellHeight, gap);
    return { role: item.role, a: item.a, b: item.b, x: x * scale, y: y * scale, width: cellWidth * scale, height: cellHeight * scale, state: item.state };
  });
  return {
    format: PROVENANCE_FORMAT,
    kind: 'mix-grid',
    software: options.software,
    model: { id: manifest.id, name: manifest.name, sha256: modelSha256(manifest) },
    family: manifest.family,
    grid: { seeds_a: [...layout.seedsA], seeds_b: [...layout.seedsB], preset: layout.preset, rows: [...layout.rows], psi: layout.psi, cutoff: layout.cutoff },
    image: {
      width: ((layout.seedsA.length + 1) * (cellWidth + gap) - gap) * scale,
      height: ((layout.seedsB.length + 1) * (cellHeight + gap) - gap) * scale,
      scale,
      filter: options.filter,
      gap: gap * scale,
    },
    cells,
  };
}

/** The whole grid as one PNG, upscaled as asked, with its `latent-studio` record. */
export function mixGridPng(options: MixGridPngOptions): Uint8Array {
  const { image: native, gap } = composeMixGrid(options.layout, options.images);
  const image = upscale(native, options.scale, options.filter);
  const record = mixGridRecord({ ...options, cellWidth: options.images[0]!.width, cellHeight: options.images[0]!.height, gap });
  return encodePng(rgbBytes(image), image.width, image.height, { text: { [PROVENANCE_KEYWORD]: mixGridRecordText(record) } });
}

/** The layout a grid record describes, as the studio's grid takes it. */
export function layoutOfRecord(record: MixGridRecord): MixGridLayout {
  const { grid } = record;
  return { seedsA: [...grid.seeds_a], seedsB: [...grid.seeds_b], preset: grid.preset, rows: [...grid.rows], psi: grid.psi, cutoff: grid.cutoff };
}
