/**
 * Tiled image-to-image inference: a stage runs on overlapping tiles of its input and the tiles'
 * centres are stitched into the output, so the memory one run needs is bounded by the tile size,
 * not by the picture (a 4× upscale of a 1024 px render would otherwise hold a 4096 px activation
 * stack). With an overlap at least the network's receptive field, every kept output pixel saw the
 * same input neighbourhood as in one untiled run, so the result equals it up to float rounding.
 */
import type { Tensor } from './runner';

/** Tile edge and overlap on each side, in input pixels. */
export interface TileOptions {
  readonly size: number;
  readonly overlap: number;
}

/** One tile: the core it contributes ([x0, x1) × [y0, y1)) and the padded region it is run on. */
export interface Tile {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly px0: number;
  readonly px1: number;
  readonly py0: number;
  readonly py1: number;
}

function spans(length: number, core: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < length; start += core) out.push([start, Math.min(length, start + core)]);
  return out;
}

/**
 * The tiles covering a `width` × `height` input: cores of `size − 2·overlap` pixels in a grid,
 * each run on its core grown by `overlap` on every side and clamped to the picture. A picture
 * that fits one tile is one tile (the untiled run).
 */
export function planTiles(width: number, height: number, { size, overlap }: TileOptions): Tile[] {
  if (!(Number.isInteger(size) && Number.isInteger(overlap) && overlap >= 0 && size > 2 * overlap)) {
    throw new Error(`tile size ${size} with overlap ${overlap} leaves no core; the overlap must be under half the tile size`);
  }
  const fits = (n: number) => n <= size;
  const core = size - 2 * overlap;
  const xs = fits(width) ? [[0, width] as [number, number]] : spans(width, core);
  const ys = fits(height) ? [[0, height] as [number, number]] : spans(height, core);
  const tiles: Tile[] = [];
  for (const [y0, y1] of ys) {
    for (const [x0, x1] of xs) {
      tiles.push({
        x0,
        x1,
        y0,
        y1,
        px0: Math.max(0, x0 - overlap),
        px1: Math.min(width, x1 + overlap),
        py0: Math.max(0, y0 - overlap),
        py1: Math.min(height, y1 + overlap),
      });
    }
  }
  return tiles;
}

function crop(image: Tensor, x0: number, x1: number, y0: number, y1: number): Tensor {
  const [n, c, h, w] = image.dims as [number, number, number, number];
  const tw = x1 - x0;
  const th = y1 - y0;
  const out = new Float32Array(n * c * th * tw);
  for (let plane = 0; plane < n * c; plane++) {
    for (let y = 0; y < th; y++) {
      const from = plane * h * w + (y0 + y) * w + x0;
      out.set(image.data.subarray(from, from + tw), (plane * th + y) * tw);
    }
  }
  return { data: out, dims: [n, c, th, tw] };
}

/**
 * Run `run` (one image → image network, output `scale`× its input) over `image` [N, C, H, W] in
 * tiles and stitch the tile centres. `run`'s output must be [N, C', scale·h, scale·w] for a tile
 * of h × w; C' may differ from C (a stage may turn grey into colour).
 */
export async function runTiled(image: Tensor, scale: number, tiles: TileOptions, run: (tile: Tensor) => Promise<Tensor>): Promise<Tensor> {
  if (image.dims.length !== 4) throw new Error(`a stage takes an image [N, C, H, W], got [${image.dims.join(', ')}]`);
  const [n, , h, w] = image.dims as [number, number, number, number];
  const plan = planTiles(w, h, tiles);
  let out: Float32Array | null = null;
  let channels = 0;
  const ow = w * scale;
  const oh = h * scale;
  for (const t of plan) {
    const whole = plan.length === 1;
    const input = whole ? image : crop(image, t.px0, t.px1, t.py0, t.py1);
    const result = await run(input);
    const [rn, rc, rh, rw] = result.dims as [number, number, number, number];
    const th = (t.py1 - t.py0) * scale;
    const tw = (t.px1 - t.px0) * scale;
    if (result.dims.length !== 4 || rn !== n || rh !== th || rw !== tw) {
      throw new Error(`the stage gave [${result.dims.join(', ')}] for a tile [${input.dims.join(', ')}]; a ${scale}× stage must give [${n}, C, ${th}, ${tw}]`);
    }
    if (whole) return result;
    if (!out) {
      channels = rc;
      out = new Float32Array(n * channels * oh * ow);
    }
    // Keep the core: skip the overlap the tile was grown by on each side (scaled to the output).
    const sx = (t.x0 - t.px0) * scale;
    const sy = (t.y0 - t.py0) * scale;
    const cw = (t.x1 - t.x0) * scale;
    const ch = (t.y1 - t.y0) * scale;
    for (let plane = 0; plane < n * channels; plane++) {
      for (let y = 0; y < ch; y++) {
        const from = plane * th * tw + (sy + y) * tw + sx;
        out.set(result.data.subarray(from, from + cw), plane * oh * ow + (t.y0 * scale + y) * ow + t.x0 * scale);
      }
    }
  }
  return { data: out!, dims: [n, channels, oh, ow] };
}
