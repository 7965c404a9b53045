/**
 * The tensor shapes each graph of a package takes and gives, derived from its manifest (the check
 * every runtime adapter applies with them is app/inference/feeds.ts).
 */
import type { Manifest } from './manifest';

/** A dimension: a fixed size, or 'batch' for the leading dynamic axis. */
export type Dim = number | 'batch';

/** Expected shapes of the named tensors of a model's graphs. */
export function tensorShapes(m: Manifest): Record<string, Dim[]> {
  const shapes: Record<string, Dim[]> = {
    z: ['batch', m.z_dim],
    img: ['batch', m.img_channels, m.resolution, m.resolution],
  };
  if (m.c_dim > 0) shapes.c = ['batch', m.c_dim];
  if (m.family === 'stylegan') shapes.ws = ['batch', m.num_ws, m.w_dim];
  if (m.family === 'conditional') shapes.truncation = [1];
  for (const extra of m.extra_inputs) shapes[extra.name] = ['batch', 1];
  // Noise and transform inputs have no batch axis: one tensor broadcasts over the batch.
  for (const noise of m.noise_inputs ?? []) shapes[noise.name] = [1, 1, noise.resolution, noise.resolution];
  if (m.transform_input) shapes[m.transform_input.name] = [3, 3];
  return shapes;
}
