/**
 * What a checkpoint reader hands to a converter: a network's constructor arguments and its stored
 * tensors under PyTorch's state-dict names (`mapping.fc0.weight`, `synthesis.b4.conv1.affine.bias`),
 * plus the plain attributes each stored module recorded (NVIDIA pickles keep `conv_clamp`,
 * `padding`, filter taps … per module), so a converter can check architecture details that the
 * constructor arguments alone do not pin down. Readers (NVIDIA pickles, torch.save files, Python
 * test fixtures) and converters (StyleGAN2, StyleGAN3, BigGAN graph builders) meet only here.
 */

/** A stored tensor, its values widened to float32 (fp16 and fp64 storages included). */
export interface StoredTensor {
  readonly shape: readonly number[];
  /** The dtype it was stored in (`float32`, `float16`, `float64`, `int64`, …). */
  readonly dtype: string;
  readonly data: Float32Array;
}

/** Tensors by state-dict name. */
export type StateDict = ReadonlyMap<string, StoredTensor>;

/** One stored sub-module: its class and the plain (non-tensor, non-module) attributes it recorded. */
export interface ModuleRecord {
  /** Dotted path from the network root ('' for the root, `synthesis.b8.conv0` …). */
  readonly path: string;
  readonly className: string;
  /** JSON-like values: numbers, strings, booleans, null, arrays, plain objects. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A whole network as stored. */
export interface NetworkSnapshot {
  /** Class name of the root module (`Generator`), and the module it came from when known. */
  readonly className: string;
  readonly moduleName?: string;
  readonly initArgs: readonly unknown[];
  readonly initKwargs: Readonly<Record<string, unknown>>;
  readonly tensors: StateDict;
  /** Every module by path, the root included. */
  readonly modules: ReadonlyMap<string, ModuleRecord>;
}

/** Raised when a checkpoint cannot be converted; the message says what was found and what to do. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** What the user may ask of a conversion (the Python exporters' options of the same names). */
export interface ConvertOptions {
  /** Package id and display name; derived from the source file when absent. */
  readonly id?: string;
  readonly name?: string;
  /** StyleGAN2: every noise layer becomes a synthesis input `noise_<layer>` (export_stylegan.py --noise-inputs). */
  readonly noiseInputs?: boolean;
  /** StyleGAN3: the input transform becomes a synthesis input `transform` (--transform-input). */
  readonly transformInput?: boolean;
  /**
   * Asked between steps; when it returns true the converter throws {@link ConversionCancelled}.
   * (A function rather than an AbortSignal: app/ is type-checked without DOM or Node libraries.)
   */
  readonly cancelled?: () => boolean;
  /** Progress in [0, 1]. */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * A converted model package before it is written: manifest.json as the Python exporter writes it
 * (its `files` entry — sha256 and size of every file — is filled in by the package writer) and
 * the files by name (`mapping.onnx`, `synthesis.onnx`, `generator.onnx`, `style_affine.npz`,
 * `noise_const.npz`, …).
 */
export interface ConvertedPackage {
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** Thrown when {@link ConvertOptions.cancelled} said stop. */
export class ConversionCancelled extends Error {
  override readonly name = 'ConversionCancelled';
  constructor() {
    super('the conversion was cancelled');
  }
}
