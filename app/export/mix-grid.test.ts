/**
 * The mixing-grid figure: where each image lands (header row of seeds A, header column of seeds B,
 * cell (j, i) = A_i with B_j's rows), and its record surviving a PNG round trip.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Rgba } from '../inference/image';
import { parseManifest } from '../model/manifest';
import { decodePng, encodePng, PROVENANCE_KEYWORD } from '../codecs/png';
import { mixGridRecordText, parseStudioRecord, readStudioRecord } from '../records/mix-grid-provenance';
import { buildProvenance, provenanceText, ProvenanceError } from '../records/provenance';
import { latentState, stateKey } from '../state/latent-state';
import { composeMixGrid, layoutOfRecord, mixGridItems, mixGridPng, type MixGridLayout } from './mix-grid';

const manifest = parseManifest(JSON.parse(readFileSync(path.resolve(__dirname, '../../models/fixtures/stylegan-tiny/manifest.json'), 'utf8')));

const layout: MixGridLayout = { seedsA: [1, 2, 3], seedsB: [10, 11], preset: 'coarse', rows: [0, 1, 2, 3], psi: 0.7, cutoff: null };

/** A solid 32×32 image whose colour encodes (k): red = 10·k + 5, green = 200 − 5·k, blue = 77. */
function solid(k: number): Rgba {
  const data = new Uint8ClampedArray(32 * 32 * 4);
  for (let p = 0; p < data.length; p += 4) data.set([10 * k + 5, 200 - 5 * k, 77, 255], p);
  return { width: 32, height: 32, data };
}

function pixel(image: { width: number; data: ArrayLike<number> }, x: number, y: number, channels = 4): number[] {
  const o = (y * image.width + x) * channels;
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!];
}

describe('mixing grid', () => {
  it('lists the A header, the B header, then A_i with B_j’s rows row by row', () => {
    const items = mixGridItems(layout);
    expect(items).toHaveLength(3 + 2 + 6);
    expect(items.slice(0, 5).map((i) => [i.role, i.a, i.b, i.state.seed])).toEqual([
      ['a', 0, null, 1],
      ['a', 1, null, 2],
      ['a', 2, null, 3],
      ['b', null, 0, 10],
      ['b', null, 1, 11],
    ]);
    // Cell row j = 1 (seed 11), column i = 2 (seed 3).
    const cell = items.find((i) => i.role === 'mix' && i.a === 2 && i.b === 1)!;
    expect(stateKey('m', cell.state)).toBe(stateKey('m', latentState({ seed: 3, psi: 0.7, mix: [{ seed: 11, rows: [0, 1, 2, 3] }] })));
  });

  it('places the header row, the header column and every cell, with a background corner and gaps', () => {
    const images = mixGridItems(layout).map((_, k) => solid(k));
    const { image, gap } = composeMixGrid(layout, images);
    expect(gap).toBe(2); // 32 px cells: 32 / 16
    // 4 columns (B header + 3 seeds A) and 3 rows (A header + 2 seeds B) of 32 px with 2 px between.
    expect([image.width, image.height]).toEqual([4 * 32 + 3 * 2, 3 * 32 + 2 * 2]);
    const background = [22, 23, 26];
    expect(pixel(image, 5, 5)).toEqual(background); // the corner
    expect(pixel(image, 33, 40)).toEqual(background); // the gap after the header column
    // Header row: A_i at column i + 1, row 0 (items 0–2).
    expect(pixel(image, 34, 0)).toEqual([5, 200, 77]);
    expect(pixel(image, 34 * 3 + 31, 31)).toEqual([25, 190, 77]);
    // Header column: B_j at column 0, row j + 1 (items 3, 4).
    expect(pixel(image, 0, 34)).toEqual([35, 185, 77]);
    expect(pixel(image, 31, 34 * 2 + 31)).toEqual([45, 180, 77]);
    // Cells: item 5 + 3j + i at column i + 1, row j + 1.
    expect(pixel(image, 34, 34)).toEqual([55, 175, 77]); // j 0, i 0
    expect(pixel(image, 34 * 3 + 10, 34 * 2 + 10)).toEqual([105, 150, 77]); // j 1, i 2 = item 10
  });

  it('refuses a wrong number of images or mixed sizes', () => {
    const images = mixGridItems(layout).map((_, k) => solid(k));
    expect(() => composeMixGrid(layout, images.slice(1))).toThrow(RangeError);
    expect(() => composeMixGrid(layout, [...images.slice(1), { width: 16, height: 16, data: new Uint8ClampedArray(16 * 16 * 4) }])).toThrow(RangeError);
  });

  it('writes one PNG whose record gives back the layout and every cell’s state and place', () => {
    const images = mixGridItems(layout).map((_, k) => solid(k));
    const png = mixGridPng({ manifest, layout, images, scale: 2, filter: 'nearest', software: 'Latent Studio test' });
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height]).toEqual([2 * 134, 2 * 100]);
    const read = readStudioRecord(png);
    if (read.kind !== 'mix-grid') throw new Error(`expected a grid record, got ${read.kind}`);
    const { record } = read;
    expect(record.model.id).toBe('fixture-stylegan-tiny');
    expect(record.model.sha256).toBe(manifest.files['synthesis.onnx']!.sha256);
    expect(record.grid).toEqual({ seeds_a: [1, 2, 3], seeds_b: [10, 11], preset: 'coarse', rows: [0, 1, 2, 3], psi: 0.7, cutoff: null });
    expect(layoutOfRecord(record)).toEqual(layout);
    expect(record.image).toEqual({ width: 268, height: 200, scale: 2, filter: 'nearest', gap: 4 });
    expect(record.cells).toHaveLength(11);
    const cell = record.cells.find((c) => c.role === 'mix' && c.a === 2 && c.b === 1)!;
    expect({ x: cell.x, y: cell.y, width: cell.width, height: cell.height }).toEqual({ x: 2 * 34 * 3, y: 2 * 34 * 2, width: 64, height: 64 });
    expect(cell.state.seed).toBe(3);
    expect(cell.state.mix).toEqual([{ seed: 11, rows: [0, 1, 2, 3] }]);
    // The record's rectangle holds that cell's picture (item 10) in the decoded PNG (RGB).
    expect(pixel(decoded, cell.x + 63, cell.y + 63, 3)).toEqual([105, 150, 77]);
  });

  it('reads single-image records as before, and refuses a grid record that lacks cells', () => {
    const single = buildProvenance({ manifest, state: latentState({ seed: 5 }), z: new Float32Array(64), ws: null, image: { width: 32, height: 32, scale: 1, filter: 'nearest' }, software: 't' });
    const png = encodePng(new Uint8Array(32 * 32 * 3), 32, 32, { text: { [PROVENANCE_KEYWORD]: provenanceText(single) } });
    const read = readStudioRecord(png);
    expect(read.kind).toBe('image');
    expect(read.kind === 'image' && read.record.seed).toBe(5);

    const images = mixGridItems(layout).map((_, k) => solid(k));
    const text = readStudioRecord(mixGridPng({ manifest, layout, images, scale: 1, filter: 'nearest', software: 't' }));
    if (text.kind !== 'mix-grid') throw new Error('expected a grid record');
    const short = mixGridRecordText({ ...text.record, cells: text.record.cells.slice(1) });
    expect(() => parseStudioRecord(short)).toThrow(ProvenanceError);
    expect(() => parseStudioRecord(short)).toThrow(/3×2 grid has 11 cells, this one lists 10/);
    expect(() => parseStudioRecord('{"kind":"mix-grid","format":1}')).toThrow(ProvenanceError);
  });
});
