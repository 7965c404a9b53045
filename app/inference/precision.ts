/**
 * Which precision a model runs in: its float16 twins (manifest `graphs.<key>.fp16`) on WebGPU when
 * the adapter has `shader-f16`, float32 everywhere else. A pure rule, so the worker's choice is
 * tested without a GPU; WASM and the native runtime compute float16 by casting to float32 around
 * each op (no gain, only rounding), so they always take the float32 graphs.
 */
import type { Manifest } from '../model/manifest';
import type { Backend } from './runner';

/** The precision a model's graphs run in. */
export type Precision = 'fp32' | 'fp16';

/**
 * What the user asked for: `auto` (fp16 where it pays), `fp32` (`?precision=fp32` in the URL), or
 * `fp16` (`?precision=fp16`: the twins on WebGPU even when the adapter does not list `shader-f16`,
 * for an adapter that misreports; where it really lacks it the twins fail to open and the studio
 * falls back to float32, saying why).
 */
export type PrecisionPreference = 'auto' | 'fp32' | 'fp16';

/** Whether any graph of `manifest` has a float16 twin. */
export function hasFp16Graphs(manifest: Manifest): boolean {
  return Object.values(manifest.graphs).some((spec) => spec.fp16 !== undefined);
}

/** The inputs of {@link choosePrecision}. */
export interface PrecisionContext {
  readonly backend: Backend;
  /** Whether the WebGPU adapter offers the `shader-f16` feature. */
  readonly shaderF16: boolean;
  readonly preference: PrecisionPreference;
}

/**
 * fp16 when the model has twins and the backend is WebGPU with `shader-f16` (or fp16 was asked
 * for), unless fp32 was asked for; WASM and native always fp32.
 */
export function choosePrecision(manifest: Manifest, context: PrecisionContext): Precision {
  const wanted = context.preference === 'fp16' || (context.preference === 'auto' && context.shaderF16);
  return context.backend === 'webgpu' && wanted && hasFp16Graphs(manifest) ? 'fp16' : 'fp32';
}

/**
 * `manifest` as the runtime should load it in `precision`: for fp16, each graph with a twin names
 * the twin's file (and no twin of its own), so session creation and the graph checks read that
 * file under the same input and output names. fp32 returns `manifest` itself.
 */
export function withPrecision(manifest: Manifest, precision: Precision): Manifest {
  if (precision === 'fp32') return manifest;
  const graphs = Object.fromEntries(Object.entries(manifest.graphs).map(([key, spec]) => [key, spec.fp16 ? { file: spec.fp16.file, inputs: spec.inputs, outputs: spec.outputs } : spec]));
  return { ...manifest, graphs };
}

/**
 * The value of the URL's `precision` parameter (null when absent) as a preference: `fp32` or
 * `fp16`; anything else is `auto`. The caller reads the URL, so app/ needs no DOM or Node types.
 */
export function precisionPreference(asked: string | null): PrecisionPreference {
  return asked === 'fp32' || asked === 'fp16' ? asked : 'auto';
}
