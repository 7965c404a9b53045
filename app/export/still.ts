/**
 * Still exports: one rendered state as a PNG that carries its provenance record, and its ws as
 * `.npy` / `.npz` files that NVIDIA's scripts load (`np.load(f)['w']` of shape [1, num_ws, w_dim],
 * as stylegan2-ada-pytorch's `generate.py --projected-w` expects). The studio and the CLI both write
 * through here, so their files are the same bytes.
 */
import type { Rgba } from '../inference/image';
import type { Manifest } from '../model/manifest';
import type { LatentState } from '../state/latent-state';
import { buildProvenance, provenanceText } from '../records/provenance';
import { encodePng, PROVENANCE_KEYWORD } from '../codecs/png';
import { writeNpy } from '../codecs/npy';
import { writeNpz } from '../codecs/npz';
import { upscale, type UpscaleFilter } from './resample';

/** A state rendered for export: its pixels and the latents that made them. */
export interface ExportedFrame {
  /** Native-resolution pixels. */
  image: Rgba;
  z: ArrayLike<number>;
  /** The final ws (StyleGAN), or null. */
  ws: ArrayLike<number> | null;
}

/** How a still is written. */
export interface StillOptions {
  manifest: Manifest;
  state: LatentState;
  scale: number;
  filter: UpscaleFilter;
  /** Writer name and version for the record, e.g. "Latent Studio 0.1.0". */
  software: string;
}

/** The PNG of an exported frame, upscaled as asked, with its `latent-studio` provenance chunk. */
export function stillPng(frame: ExportedFrame, options: StillOptions): Uint8Array {
  const image = upscale(frame.image, options.scale, options.filter);
  const record = buildProvenance({
    manifest: options.manifest,
    state: options.state,
    z: frame.z,
    ws: frame.ws,
    image: { width: image.width, height: image.height, scale: options.scale, filter: options.filter },
    software: options.software,
  });
  return encodePng(rgbBytes(image), image.width, image.height, { text: { [PROVENANCE_KEYWORD]: provenanceText(record) } });
}

/** The RGB bytes of an image, alpha dropped: generated images are opaque, and RGB PNGs are smaller. */
export function rgbBytes(image: Rgba): Uint8Array {
  const out = new Uint8Array(image.width * image.height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = image.data[p]!;
    out[q + 1] = image.data[p + 1]!;
    out[q + 2] = image.data[p + 2]!;
  }
  return out;
}

function wsArray(ws: ArrayLike<number>, manifest: Manifest) {
  if (manifest.family !== 'stylegan') throw new RangeError(`model "${manifest.id}" has no W space: only StyleGAN models export ws`);
  const shape = [1, manifest.num_ws, manifest.w_dim];
  if (ws.length !== manifest.num_ws * manifest.w_dim) throw new RangeError(`ws has ${ws.length} values, expected ${manifest.num_ws * manifest.w_dim}`);
  return { data: Float32Array.from(ws), shape };
}

/** ws as a `.npy` of shape [1, num_ws, w_dim], float32. */
export function wsNpy(ws: ArrayLike<number>, manifest: Manifest): Uint8Array {
  return writeNpy(wsArray(ws, manifest));
}

/** ws as a `.npz` with key `w` of shape [1, num_ws, w_dim], float32 (`--projected-w`). */
export function wsNpz(ws: ArrayLike<number>, manifest: Manifest): Uint8Array {
  return writeNpz({ w: wsArray(ws, manifest) });
}

/** gen_images.py's file name for a seed: `seed0042.png`. */
export function seedFileName(seed: number): string {
  return `seed${String(seed).padStart(4, '0')}.png`;
}

/** The file name of timeline frame `index`: `frame000012.png` (sorts and globs in frame order). */
export function frameFileName(index: number): string {
  return `frame${String(index).padStart(6, '0')}.png`;
}
