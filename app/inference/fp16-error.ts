/**
 * Which graphs of a package get a float16 twin, and how far the twin's pictures are from the
 * float32 graph's: both run through the studio's own pipeline (render.ts), so the synthesis graph
 * gets the ws, noise and transform feeds the studio really gives it. The CLI writes the figures
 * into the manifest (`graphs.<key>.fp16.error`); the tests and the bench use the same measure.
 */
import type { Manifest } from '../model/manifest';
import { tensorToRgba } from './image';
import type { Pipeline } from './render';
import { latentState } from '../state/latent-state';

/**
 * The graphs a float16 twin pays for: the one that runs on every frame (synthesis; a z → image
 * generator). The mapping network is a few small matrix products whose ws also feed truncation,
 * PCA and inversion, so it stays float32.
 */
export function fp16GraphKeys(manifest: Manifest): string[] {
  return [manifest.family === 'stylegan' ? 'synthesis' : 'generator'].filter((key) => Object.hasOwn(manifest.graphs, key));
}

/** The twin's file name: `synthesis.onnx` → `synthesis.fp16.onnx`. */
export function fp16FileName(file: string): string {
  return file.replace(/\.onnx$/, '.fp16.onnx');
}

/** The error of a float16 twin against its float32 graph, as the manifest records it (less the runtime). */
export interface Fp16ErrorFigures {
  /** Largest and mean |fp16 − fp32| of the output, in its own units (`output_range`). */
  max_abs: number;
  mean_abs: number;
  /** The same in 8-bit levels of the studio's pixels (tensorToRgba). */
  max_levels: number;
  mean_levels: number;
  seeds: number[];
}

/**
 * Render `seeds` (ψ 1; conditional models in class `seed mod c_dim`) with both pipelines of the
 * same package and compare the output tensors and their pixels.
 */
export async function measureFp16Error(manifest: Manifest, fp32: Pipeline, fp16: Pipeline, seeds: readonly number[]): Promise<Fp16ErrorFigures> {
  let maxAbs = 0;
  let sumAbs = 0;
  let maxLevels = 0;
  let sumLevels = 0;
  let values = 0;
  let channels = 0;
  for (const seed of seeds) {
    const state = latentState({ seed, classes: manifest.c_dim > 0 ? [{ index: seed % manifest.c_dim, weight: 1 }] : [] });
    const [a, b] = [(await fp32.render(state)).image, (await fp16.render(state)).image];
    if (a.data.length !== b.data.length) throw new Error(`the float16 twin gives ${b.dims.join('×')} for seed ${seed} where the float32 graph gives ${a.dims.join('×')}`);
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i]! - b.data[i]!);
      // NaN compares false everywhere: counted as infinite, so a broken twin cannot look perfect.
      const error = Number.isNaN(d) ? Infinity : d;
      maxAbs = Math.max(maxAbs, error);
      sumAbs += error;
    }
    values += a.data.length;
    const [pa, pb] = [tensorToRgba(a, manifest.output_range).data, tensorToRgba(b, manifest.output_range).data];
    for (let i = 0; i < pa.length; i++) {
      if (i % 4 === 3) continue;
      const d = Math.abs(pa[i]! - pb[i]!);
      maxLevels = Math.max(maxLevels, d);
      sumLevels += d;
      channels++;
    }
  }
  return { max_abs: maxAbs, mean_abs: sumAbs / values, max_levels: maxLevels, mean_levels: sumLevels / channels, seeds: [...seeds] };
}
