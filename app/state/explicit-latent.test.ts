/**
 * Reading projected_w.npz as NVIDIA's projector writes it (`np.savez(path, w=ws)`, made by numpy
 * here at test time), the shapes it also takes, and the refusals that name both shapes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { python, pythonMissing } from '../../test-support/python';
import { explicitLatent, ExplicitLatentError, parseProjectedW, type LatentShapes } from './explicit-latent';
import { writeNpz } from '../codecs/npz';

const numpyMissing = pythonMissing('numpy');
const dir = mkdtempSync(path.join(tmpdir(), 'projected-w-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model: LatentShapes = { id: 'fixture-stylegan-tiny', family: 'stylegan', num_ws: 8, w_dim: 64, z_dim: 64 };

/**
 * A projected_w.npz saved by numpy: `w` = shape `shape` of values seeded by `seed` (dtype `dtype`),
 * as the projector's `np.savez(f'{outdir}/projected_w.npz', w=projected_w.unsqueeze(0).cpu().numpy())`.
 * Returns the bytes and the float32 values numpy wrote (as hex-exact numbers).
 */
function savez(name: string, shape: number[], dtype = 'float32', key = 'w'): { bytes: Uint8Array; values: number[] } {
  const file = path.join(dir, name);
  const out = python(
    `import json, sys, numpy as np
shape = json.loads(sys.argv[2])
w = (np.random.RandomState(7).randn(*shape) * 0.8).astype(sys.argv[3])
np.savez(sys.argv[1], **{sys.argv[4]: w})
print(json.dumps([float(v) for v in w.astype(np.float32).ravel()]))`,
    file,
    JSON.stringify(shape),
    dtype,
    key,
  );
  return { bytes: readFileSync(file), values: JSON.parse(out) as number[] };
}

describe.skipIf(numpyMissing)('projected_w.npz', () => {
  it('reads w [1, num_ws, w_dim] float32 exactly, as an explicit ws named after the file', () => {
    const { bytes, values } = savez('projected_w.npz', [1, 8, 64]);
    const e = parseProjectedW(bytes, model, 'projected_w.npz');
    expect(e).toEqual({ space: 'ws', shape: [8, 64], data: values, origin: 'projected_w.npz' });
    expect(new Set(e.data).size).toBeGreaterThan(500); // really W+: rows differ
  });

  it('also takes [num_ws, w_dim], and [1, w_dim] repeated on every row', () => {
    const plain = savez('plain.npz', [8, 64]);
    expect(parseProjectedW(plain.bytes, model, 'plain.npz').data).toEqual(plain.values);
    const single = savez('single.npz', [1, 64]);
    const e = parseProjectedW(single.bytes, model, 'single.npz');
    expect(e.shape).toEqual([8, 64]);
    for (let r = 0; r < 8; r++) expect(e.data.slice(r * 64, (r + 1) * 64)).toEqual(single.values);
  });

  it('rounds a float64 projection to the float32 the graphs are fed', () => {
    const { bytes, values } = savez('f64.npz', [1, 8, 64], 'float64');
    expect(parseProjectedW(bytes, model, 'f64.npz').data).toEqual(values);
  });

  it("refuses a w of another model's shape, naming the file's and the model's shapes", () => {
    const { bytes } = savez('ffhq.npz', [1, 18, 512]);
    expect(() => parseProjectedW(bytes, model, 'ffhq.npz')).toThrow(ExplicitLatentError);
    expect(() => parseProjectedW(bytes, model, 'ffhq.npz')).toThrow(
      'ffhq.npz: "w" has shape [1, 18, 512], but model "fixture-stylegan-tiny" takes ws [1, 8, 64] (also [8, 64] or [1, 64]): project with this model\'s network',
    );
  });

  it('refuses an archive without w, a model without W space, and bytes that are no .npz', () => {
    const { bytes } = savez('boundary.npz', [1, 64], 'float32', 'boundary');
    expect(() => parseProjectedW(bytes, model, 'boundary.npz')).toThrow(/boundary\.npz has no array "w" \(it holds "boundary"\)/);
    const w = savez('w.npz', [1, 8, 64]).bytes;
    expect(() => parseProjectedW(w, { ...model, family: 'plain', num_ws: 0, w_dim: 0 }, 'w.npz')).toThrow(/"fixture-stylegan-tiny" is a plain model with no W space/);
    expect(() => parseProjectedW(Uint8Array.of(1, 2, 3), model, 'junk.npz')).toThrow(/^junk\.npz: not a readable \.npz archive/);
  });
});

describe('explicit latents from values', () => {
  it('refuses shapes that do not fit the space or the values, and values that are not finite', () => {
    expect(() => explicitLatent('ws', [64], new Float32Array(64), 'x')).toThrow(/must have shape \[num_ws, w_dim\], not \[64\]/);
    expect(() => explicitLatent('z', [2, 2], new Float32Array(4), 'x')).toThrow(/must have shape \[z_dim\]/);
    expect(() => explicitLatent('z', [3], [1, 2], 'x')).toThrow(/needs 3 values, not 2/);
    expect(() => explicitLatent('z', [2], [1, NaN], 'x')).toThrow(/value 1 of the explicit z is NaN/);
    expect(() => explicitLatent('z', [1], [1e39], 'x')).toThrow(/value 0 .* is 1e\+39, not a finite float32/);
    expect(() => explicitLatent('ws', [2048, 1024], [], 'x')).toThrow(/more than the 1048576/);
  });

  it('reads an archive the studio writes itself (Export ws .npz)', () => {
    const data = Float32Array.from({ length: 8 * 64 }, (_, i) => Math.fround(i / 7));
    const bytes = writeNpz({ w: { data, shape: [1, 8, 64] } });
    expect(parseProjectedW(bytes, model, 'ws.npz').data).toEqual(Array.from(data));
  });
});
