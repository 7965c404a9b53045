/**
 * The bundled 4× super-resolution stage run by onnxruntime-web (WASM) in Node: tiled inference
 * equals one untiled run within 1e-5 away from the tile seams and within 1e-4 on them when the
 * overlap covers the receptive field, and visibly differs on the seams (only there) when it does
 * not — so the comparison can fail. Also the chain's range and size handling on the real model.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTiled } from '../../app/inference/tiling';
import { applyStages, type StageSession } from '../../app/inference/stages';
import type { Tensor } from '../../app/inference/runner';
import { readPackageManifest } from '../services/library';
import { openWasmStage } from './ort-web-node';

const SR_DIR = path.join(__dirname, '..', '..', 'models', 'emoji-sr4x');
/** Off-seam agreement: float rounding of the same sums in another order. */
const OFF_SEAM = 1e-5;
/** On-seam agreement with full overlap: the same maths, but Conv may block a different tile size differently. */
const ON_SEAM = 1e-4;

let stage: StageSession;

beforeAll(async () => {
  const read = await readPackageManifest(SR_DIR);
  if (read.kind !== 'stage') throw new Error('models/emoji-sr4x is not an image2image package');
  stage = await openWasmStage(SR_DIR, read.manifest);
});
afterAll(async () => stage?.dispose());

/** A deterministic picture in [0, 1]: smooth gradients with hard-edged blobs (like an emoji). */
function picture(w: number, h: number): Tensor {
  const data = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const blob = (x - 20) ** 2 + (y - 14) ** 2 < 90 ? 0.8 : 0.1;
        data[(c * h + y) * w + x] = Math.min(1, Math.max(0, blob + 0.2 * Math.sin((x + 3 * c) / 5) * Math.cos(y / 7)));
      }
  return { data, dims: [1, 3, h, w] };
}

/** Largest |a − b| over output pixels within `band` px of a seam (onSeam) or farther (off). */
function maxDiff(a: Tensor, b: Tensor, seams: { xs: number[]; ys: number[] }, band: number, onSeam: boolean): number {
  const [, c, h, w] = a.dims as [number, number, number, number];
  let worst = 0;
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const near = seams.xs.some((s) => Math.abs(x - s) < band) || seams.ys.some((s) => Math.abs(y - s) < band);
        if (near !== onSeam) continue;
        const i = (k * h + y) * w + x;
        worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
      }
  return worst;
}

/** Output-pixel seam positions of tiles with `core` input pixels, for a w×h input at 4×. */
function seamsOf(w: number, h: number, core: number): { xs: number[]; ys: number[] } {
  const at = (n: number) => Array.from({ length: Math.ceil(n / core) - 1 }, (_, i) => (i + 1) * core * 4);
  return { xs: at(w), ys: at(h) };
}

describe('tiled super-resolution (bundled emoji-sr4x, WASM)', () => {
  const [w, h] = [52, 40];
  const input = picture(w, h);

  it('equals the untiled run when the overlap covers the receptive field', async () => {
    const rf = stage.manifest.receptive_field!;
    const whole = await stage.run(input);
    expect(whole.dims).toEqual([1, 3, 4 * h, 4 * w]);
    const size = 24;
    const tiled = await runTiled(input, 4, { size, overlap: rf }, (t) => stage.run(t));
    const seams = seamsOf(w, h, size - 2 * rf);
    expect(seams.xs.length).toBeGreaterThan(1);
    const band = 4 * rf;
    expect(maxDiff(tiled, whole, seams, band, false)).toBeLessThan(OFF_SEAM);
    expect(maxDiff(tiled, whole, seams, band, true)).toBeLessThan(ON_SEAM);
  });

  it('shows seams without overlap, and only near them', async () => {
    const whole = await stage.run(input);
    const size = 16;
    const tiled = await runTiled(input, 4, { size, overlap: 0 }, (t) => stage.run(t));
    const seams = seamsOf(w, h, size);
    const band = 4 * stage.manifest.receptive_field!;
    expect(maxDiff(tiled, whole, seams, band, true)).toBeGreaterThan(1e-3);
    expect(maxDiff(tiled, whole, seams, band, false)).toBeLessThan(OFF_SEAM);
  });

  it('maps the generator range into the stage and returns its own range', async () => {
    // The same picture as a [-1, 1] generator would give it.
    const signed = { data: input.data.map((v) => v * 2 - 1), dims: input.dims };
    const chained = await applyStages(signed, [-1, 1], [stage]);
    const direct = await stage.run(input);
    expect(chained.range).toEqual([0, 1]);
    expect(chained.image.dims).toEqual([1, 3, 4 * h, 4 * w]);
    let worst = 0;
    for (let i = 0; i < direct.data.length; i++) worst = Math.max(worst, Math.abs(chained.image.data[i]! - direct.data[i]!));
    expect(worst).toBeLessThan(1e-5);
  });
});
