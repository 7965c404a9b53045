/**
 * SeFa, closed-form factorisation of the latent semantics (Shen & Zhou, CVPR 2021), as genforce/sefa
 * `factorize_weight` computes it: stack the chosen layers' style-affine weights transposed into
 * A [dim, Σ out_channels], normalise every column (one output channel's weight row) to unit length,
 * eigendecompose A·Aᵀ (dim × dim) and sort by eigenvalue. The eigenvectors are the directions; a
 * StyleGAN edit adds `v_k · step` to the ws rows of the chosen layers.
 *
 * The same closed form serves z-space models: the first layer z feeds (app/model/onnx-first-layer.ts)
 * plays the part of the affine weights.
 */
import { z } from 'zod';
import type { NpyArray } from '../codecs/npy';
import type { AffineWeight } from '../model/affine-weight';
import type { Manifest } from '../model/manifest';
import { symmetricEigen } from './linalg';
import { mixPresets, type MixPreset } from './presets';

/** SeFa's result: eigenpairs of A·Aᵀ, largest eigenvalue first. */
export interface Factorization {
  dim: number;
  /** dim eigenvalues, descending. */
  values: Float64Array;
  /** dim×dim row-major: row k is the unit direction of values[k]; its largest-magnitude entry is positive. */
  vectors: Float64Array;
  /** The layers that were stacked, in order. */
  layers: string[];
}

/** Raised when the affine weights cannot be factorised; the message says what to do. */
export class SefaError extends Error {
  override readonly name = 'SefaError';
}

/**
 * Factorise the stacked weights. A·Aᵀ is accumulated as the sum of r̂·r̂ᵀ over every weight row r
 * (r̂ = r/|r|), which equals the normalised-column product without building A. A row of zeros has
 * no direction to normalise (numpy would divide by zero and return NaN): it adds nothing here.
 */
export function sefa(weights: readonly AffineWeight[], dim: number): Factorization {
  if (weights.length === 0) throw new SefaError('SeFa needs at least one layer of affine weights');
  const m = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (const w of weights) {
    if (w.cols !== dim) throw new SefaError(`layer ${w.name} has ${w.cols} columns, the latent has ${dim}`);
    if (w.data.length !== w.rows * w.cols) throw new SefaError(`layer ${w.name} holds ${w.data.length} values, not ${w.rows}×${w.cols}`);
    for (let r = 0; r < w.rows; r++) {
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        const v = w.data[r * dim + j]!;
        if (!Number.isFinite(v)) throw new SefaError(`layer ${w.name} has NaN or infinite weights`);
        row[j] = v;
        norm += v * v;
      }
      if (norm === 0) continue;
      const inv = 1 / norm; // r̂ r̂ᵀ = r rᵀ / |r|²
      for (let i = 0; i < dim; i++) {
        const ri = row[i]! * inv;
        for (let j = 0; j <= i; j++) m[i * dim + j]! += ri * row[j]!;
      }
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) m[j * dim + i] = m[i * dim + j]!;
  const { values, vectors } = symmetricEigen(m, dim);
  for (let k = 0; k < dim; k++) {
    let peak = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(vectors[k * dim + j]!) > Math.abs(peak)) peak = vectors[k * dim + j]!;
    if (peak < 0) for (let j = 0; j < dim; j++) vectors[k * dim + j] = -vectors[k * dim + j]!;
  }
  return { dim, values, vectors, layers: weights.map((w) => w.name) };
}

/** One style-affine layer as the manifest lists it (`generator.style_affine_layers`). */
export interface StyleAffineLayer {
  name: string;
  /** The ws row the layer's style comes from. */
  ws_index: number;
  channels: number;
}

const layersSchema = z.array(
  z.object({ name: z.string().min(1), ws_index: z.number().int().nonnegative(), channels: z.number().int().positive() }),
);

/**
 * The style-affine layers a StyleGAN package declares (models/tools/export_stylegan.py writes
 * them), or [] when the package has none. Throws {@link SefaError} on a malformed list.
 */
export function styleAffineLayers(manifest: Manifest): StyleAffineLayer[] {
  const raw = manifest.generator?.style_affine_layers;
  if (raw === undefined) return [];
  const parsed = layersSchema.safeParse(raw);
  if (!parsed.success) throw new SefaError('manifest.json: "generator.style_affine_layers" is malformed; re-export the model');
  for (const layer of parsed.data) {
    if (layer.ws_index >= manifest.num_ws) {
      throw new SefaError(`manifest.json: style-affine layer ${layer.name} names ws row ${layer.ws_index}, beyond num_ws ${manifest.num_ws}`);
    }
  }
  return parsed.data;
}

/** A SeFa layer group: every layer, or the layers of a style-mixing preset's ws rows. */
export type LayerGroup = 'all' | MixPreset;

/**
 * The layers of `group` and the inclusive ws row range an edit along their directions applies to
 * (null = every row). Presets come from the rows' resolutions, as in style mixing.
 */
export function layerGroup(
  layers: readonly StyleAffineLayer[],
  wsResolutions: readonly number[],
  group: LayerGroup,
): { layers: StyleAffineLayer[]; rows: [number, number] | null } {
  if (group === 'all') return { layers: [...layers], rows: null };
  const presetRows = new Set(mixPresets(wsResolutions)[group]);
  const chosen = layers.filter((l) => presetRows.has(l.ws_index));
  if (chosen.length === 0) return { layers: [], rows: null };
  const indices = chosen.map((l) => l.ws_index);
  return { layers: chosen, rows: [Math.min(...indices), Math.max(...indices)] };
}

/**
 * The affine weights of the layers `names` from a parsed side file (one [channels, dim] array per
 * layer, keyed by layer name). Throws {@link SefaError}.
 */
export function affineWeights(arrays: ReadonlyMap<string, NpyArray>, names: readonly string[], dim: number): AffineWeight[] {
  if (names.length === 0) throw new SefaError('choose at least one layer');
  return names.map((name) => {
    const array = arrays.get(name);
    if (!array) throw new SefaError(`the side file has no weights for layer ${name}; re-export the model`);
    if (array.shape.length !== 2 || array.shape[1] !== dim) {
      throw new SefaError(`layer ${name} is shaped (${array.shape.join(', ')}), expected (channels, ${dim}); re-export the model`);
    }
    return { name, data: array.data, rows: array.shape[0]!, cols: dim };
  });
}
