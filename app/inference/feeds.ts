/**
 * The check every runtime adapter applies to its inputs before a run: the feeds against the shapes
 * the manifest implies (app/model/shapes.ts), so a wrong tensor fails with its name and both shapes
 * instead of deep inside a runtime.
 */
import type { Manifest } from '../model/manifest';
import { tensorShapes } from '../model/shapes';
import type { Feeds } from './runner';

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
