/**
 * The tensor shapes each graph of a package takes and gives, derived from its manifest, and the
 * check every runtime adapter applies to its inputs before a run.
 */
import type { Feeds } from '../inference/runner';
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

/** Raised when feeds do not fit the graph; the message names the tensor and both shapes. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/**
 * Check `feeds` for `graph` against the manifest: every declared input present, nothing else,
 * ranks and fixed dims equal, one batch size across inputs, data length = product of dims.
 */
export function checkFeeds(m: Manifest, graph: string, feeds: Feeds): void {
  const spec = m.graphs[graph];
  if (!spec) throw new ShapeError(`model "${m.id}" has no graph "${graph}"`);
  const shapes = tensorShapes(m);
  let batch: number | undefined;
  for (const name of Object.keys(feeds)) {
    if (!spec.inputs.includes(name)) throw new ShapeError(`graph "${graph}" has no input "${name}"`);
  }
  for (const name of spec.inputs) {
    const tensor = feeds[name];
    if (!tensor) throw new ShapeError(`graph "${graph}" needs input "${name}"`);
    const expected = shapes[name];
    const got = `[${tensor.dims.join(', ')}]`;
    if (expected) {
      const want = `[${expected.join(', ')}]`;
      if (tensor.dims.length !== expected.length) throw new ShapeError(`input "${name}" must be ${want}, got ${got}`);
      expected.forEach((dim, i) => {
        const actual = tensor.dims[i]!;
        if (dim === 'batch') {
          if (batch !== undefined && actual !== batch) throw new ShapeError(`input "${name}" has batch ${actual}, others ${batch}`);
          batch = actual;
        } else if (actual !== dim) {
          throw new ShapeError(`input "${name}" must be ${want}, got ${got}`);
        }
      });
    }
    const size = tensor.dims.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== size) throw new ShapeError(`input "${name}" has ${tensor.data.length} values for shape ${got}`);
  }
}
