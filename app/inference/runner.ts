/**
 * The inference interface every runtime adapter implements (types only): the renderer's worker
 * (onnxruntime-web, WebGPU or WASM), the Node adapters (WASM for tests and the CLI, native
 * onnxruntime-node in a separate process). The generation pipeline in app/ is written against it,
 * so the studio, the CLI and the tests share one path from latent to pixels.
 */

/** Runtimes that can serve a model. */
export type Backend = 'webgpu' | 'wasm' | 'native';

/** What the user asked for: a specific runtime, or the best available. */
export type BackendPreference = 'auto' | Backend;

/** A dense float32 tensor, row-major. */
export interface Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** Named tensors fed to or returned from one graph run. */
export type Feeds = Record<string, Tensor>;

/** An image graph's output as 8-bit RGBA (app/inference/image.ts tensorToRgba), converted where it ran. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** width·height·4 bytes, row-major, alpha 255. */
  readonly data: Uint8ClampedArray;
}

/** A loaded model package: runs its graphs by the keys of `manifest.graphs` (`mapping`, `synthesis`, `generator`). */
export interface GraphRunner {
  /** The runtime actually serving the model (after any fallback). */
  readonly backend: Backend;
  /** Run one graph; every input is checked against the manifest before it reaches the runtime. */
  run(graph: string, feeds: Feeds): Promise<Feeds>;
  /**
   * Run an image graph and return its output `output` as pixels over `range`, where a runtime in
   * another process can convert before the frame crosses (4 bytes a pixel instead of 12); absent
   * where the float output is already at hand (the pipeline converts it then). An output holding
   * NaN or ±Infinity fails with NonFiniteOutputError (app/inference/finite.ts), as the pipeline's own check.
   */
  runPixels?(graph: string, feeds: Feeds, output: string, range: readonly [number, number]): Promise<Pixels>;
  /** Release sessions and buffers. The runner must not be used afterwards. */
  dispose(): Promise<void>;
}
