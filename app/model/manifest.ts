/**
 * The model-package manifest (models/README.md documents every key): its schema, its types and a
 * validator whose errors name the offending field.
 */
import { z } from 'zod';

/** The manifest format this studio reads and writes. */
export const MANIFEST_FORMAT = 1;

const finite = z.number().finite();
const count = z.number().int().nonnegative();
const positive = z.number().int().positive();

const graphFile = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.onnx$/, 'must be a plain .onnx file name');

/**
 * How far a graph's half-precision twin is from it, measured on the package's own pipeline (`npm run
 * convert -- --fp16 --package`): over `seeds`, the largest and mean |fp16 − fp32| of the output in
 * its own units, and the same in the 8-bit levels of the studio's pixels.
 */
const fp16ErrorSchema = z.object({
  max_abs: finite.nonnegative(),
  mean_abs: finite.nonnegative(),
  max_levels: count,
  mean_levels: finite.nonnegative(),
  seeds: z.array(z.number().int().nonnegative()).min(1),
  /** What ran both graphs, e.g. `onnxruntime-node cpu`. */
  runtime: z.string().min(1),
});

/**
 * A graph's float16 twin (app/model/fp16.ts): the same inputs and outputs, float32 at the edges,
 * float16 inside; WebGPU adapters with `shader-f16` load it instead of `file`.
 */
const fp16GraphSchema = z.object({ file: graphFile, error: fp16ErrorSchema.optional() });

/** One ONNX graph of a package (shared by every family, image-to-image stages included). */
export const graphSchema = z.object({
  file: graphFile,
  inputs: z.array(z.string().min(1)).min(1),
  outputs: z.array(z.string().min(1)).min(1),
  fp16: fp16GraphSchema.optional(),
});

/** A file of the package: a plain name inside its folder (no separators, not hidden, never `..`). */
export const packageFileName = z.string().max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a plain file name inside the package folder');

/** A listed file of a package: its sha256 and size. */
export const fileEntrySchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  bytes: count,
});

const extraInputSchema = z.object({
  graph: z.string().min(1),
  name: z.string().min(1),
  label: z.string().min(1),
  min: finite,
  max: finite,
  default: finite,
});

/** A per-layer noise input of the synthesis graph (export_stylegan.py --noise-inputs): unit noise [1, 1, resolution, resolution]. */
const noiseInputSchema = z.object({
  name: z.string().min(1),
  resolution: positive,
  /** .npz side file holding the layer's const noise under the key `name` (feeding it gives the const-noise picture). */
  const_file: packageFileName.optional(),
});

/** The StyleGAN3 input transform as a synthesis input (export_stylegan.py --transform-input): a [3, 3] matrix. */
const transformInputSchema = z.object({
  name: z.string().min(1),
  /** The stored transform, row-major; feeding it reproduces the default picture. */
  default: z.array(z.array(finite).length(3)).length(3),
});

const unitWeight = finite.min(0).max(1);

/** Where a model came from when it was made from others: a fine-tune of a parent, or a blend of two. */
const lineageSchema = z.object({
  parents: z
    .array(
      z.object({
        id: z.string().min(1),
        name: z.string(),
        /** The parent's synthesis graph as it was used, so a later reader can tell which version it was. */
        synthesis_sha256: fileEntrySchema.shape.sha256,
      }),
    )
    .min(1),
  method: z.enum(['fine-tune', 'blend']),
  /** A blend's share of the second parent: for the mapping network, and per synthesis block resolution ("4", "8", …). */
  weights: z.object({ mapping: unitWeight, synthesis: z.record(z.string().regex(/^[1-9][0-9]*$/, 'must be a block resolution'), unitWeight) }).optional(),
  /** How a fine-tune was trained (dataset, steps, kimg, wall time), as its trainer recorded it. */
  training: z.record(z.string(), z.unknown()).optional(),
});

/** Zod schema of manifest.json, format 1. Cross-field rules are checked in {@link parseManifest}. */
export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"'),
  name: z.string().min(1),
  license: z.string(),
  attribution: z.string(),
  family: z.enum(['stylegan', 'conditional', 'plain']),
  resolution: positive,
  img_channels: z.union([z.literal(1), z.literal(3)]),
  z_dim: positive,
  w_dim: count,
  num_ws: count,
  c_dim: count,
  class_names: z.array(z.string()),
  output_range: z.tuple([finite, finite]),
  ws_resolutions: z.array(positive).default([]),
  w_avg: z.array(finite).default([]),
  graphs: z.record(z.string(), graphSchema),
  files: z.record(packageFileName, fileEntrySchema),
  side_files: z.record(z.string(), packageFileName).default({}),
  extra_inputs: z.array(extraInputSchema).default([]),
  noise_inputs: z.array(noiseInputSchema).optional(),
  transform_input: transformInputSchema.optional(),
  generator: z.record(z.string(), z.unknown()).optional(),
  lineage: lineageSchema.optional(),
});

/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
/** A manifest's `lineage`: the parents a model was made from and how. */
export type Lineage = z.infer<typeof lineageSchema>;
/** One ONNX graph of a package. */
export type GraphSpec = z.infer<typeof graphSchema>;
/** The model families the studio knows how to drive. */
export type ModelFamily = Manifest['family'];

/** The graphs each family must provide, with their required input and output names. */
export const FAMILY_GRAPHS: Record<ModelFamily, Record<string, { inputs: string[]; outputs: string[] }>> = {
  stylegan: {
    mapping: { inputs: ['z'], outputs: ['ws'] },
    synthesis: { inputs: ['ws'], outputs: ['img'] },
  },
  conditional: { generator: { inputs: ['z', 'c', 'truncation'], outputs: ['img'] } },
  plain: { generator: { inputs: ['z'], outputs: ['img'] } },
};

/**
 * Graphs a package may add, by family, with their exact input and output names. `encoder` (an
 * inversion's first guess, models/tools/train_encoder.py): `img` [N, img_channels, resolution,
 * resolution] in `output_range` → absolute `ws` [N, num_ws, w_dim].
 */
export const OPTIONAL_GRAPHS: Record<ModelFamily, Record<string, { inputs: string[]; outputs: string[] }>> = {
  stylegan: { encoder: { inputs: ['img'], outputs: ['ws'] } },
  conditional: {},
  plain: {},
};

/** Raised when a manifest is malformed; `field` is the dotted path of the first offending key. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`manifest.json: ${field ? `"${field}"` : 'the document'} ${reason}`);
  }
}

function fail(field: string, reason: string): never {
  throw new ManifestError(field, reason);
}

/**
 * Validate a parsed manifest.json. Throws {@link ManifestError} naming the first bad field;
 * returns the manifest with defaults filled in.
 */
export function parseManifest(input: unknown): Manifest {
  const result = manifestSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    fail(issue ? issue.path.join('.') : '', issue ? issue.message.toLowerCase() : 'is invalid');
  }
  const m = result.data;
  if (!(m.output_range[0] < m.output_range[1])) fail('output_range', 'must be [low, high] with low < high');
  if (m.class_names.length !== m.c_dim) {
    fail('class_names', `has ${m.class_names.length} names but c_dim is ${m.c_dim}`);
  }
  if (m.family === 'stylegan') {
    if (m.w_dim <= 0) fail('w_dim', 'must be positive for a stylegan model');
    if (m.num_ws <= 0) fail('num_ws', 'must be positive for a stylegan model');
    if (m.w_avg.length !== m.w_dim) fail('w_avg', `has ${m.w_avg.length} values but w_dim is ${m.w_dim}`);
    if (m.ws_resolutions.length !== m.num_ws) {
      fail('ws_resolutions', `has ${m.ws_resolutions.length} entries but num_ws is ${m.num_ws}`);
    }
  }
  for (const [key, required] of Object.entries(FAMILY_GRAPHS[m.family])) {
    const graph = m.graphs[key];
    if (!graph) fail(`graphs.${key}`, `is required for family "${m.family}"`);
    for (const name of [...required.inputs, ...required.outputs]) {
      if (![...graph.inputs, ...graph.outputs].includes(name)) {
        fail(`graphs.${key}`, `must name "${name}" among its inputs/outputs`);
      }
    }
    if (!Object.hasOwn(m.files, graph.file)) fail(`files.${graph.file}`, 'is missing: every graph file needs a sha256 entry');
  }
  for (const [key, exact] of Object.entries(OPTIONAL_GRAPHS[m.family])) {
    const graph = m.graphs[key];
    if (!graph) continue;
    // Exact names: the studio feeds the encoder nothing but the picture and reads nothing but ws.
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((name, i) => name === b[i]);
    if (!same(graph.inputs, exact.inputs) || !same(graph.outputs, exact.outputs)) {
      fail(`graphs.${key}`, `must take inputs ${JSON.stringify(exact.inputs)} and give outputs ${JSON.stringify(exact.outputs)}`);
    }
    if (!Object.hasOwn(m.files, graph.file)) fail(`files.${graph.file}`, 'is missing: every graph file needs a sha256 entry');
  }
  for (const [family, optional] of Object.entries(OPTIONAL_GRAPHS)) {
    const foreign = Object.keys(optional).filter((key) => Object.hasOwn(m.graphs, key) && !Object.hasOwn(OPTIONAL_GRAPHS[m.family], key));
    if (foreign[0] !== undefined) fail(`graphs.${foreign[0]}`, `is only for family "${family}", not "${m.family}"`);
  }
  if (m.c_dim > 0 && m.family === 'stylegan' && !m.graphs.mapping?.inputs.includes('c')) {
    fail('graphs.mapping.inputs', 'must include "c" when c_dim > 0');
  }
  for (const [i, extra] of m.extra_inputs.entries()) {
    if (!Object.hasOwn(m.graphs, extra.graph)) fail(`extra_inputs.${i}.graph`, `names unknown graph "${extra.graph}"`);
    if (!(extra.min <= extra.default && extra.default <= extra.max)) {
      fail(`extra_inputs.${i}`, 'must satisfy min <= default <= max');
    }
  }
  for (const [key, graph] of Object.entries(m.graphs)) {
    if (!graph.fp16) continue;
    if (graph.fp16.file === graph.file) fail(`graphs.${key}.fp16.file`, 'must differ from the float32 graph\'s file');
    if (!Object.hasOwn(m.files, graph.fp16.file)) fail(`files.${graph.fp16.file}`, 'is missing: every graph file needs a sha256 entry');
  }
  for (const file of Object.values(m.side_files)) {
    if (!Object.hasOwn(m.files, file)) fail(`files.${file}`, 'is missing: every side file needs a sha256 entry');
  }
  // Noise and transform inputs are synthesis inputs the studio must feed on every run.
  const synthesisInputs = m.family === 'stylegan' ? (m.graphs.synthesis?.inputs ?? []) : [];
  const seenNoise = new Set<string>();
  for (const [i, noise] of (m.noise_inputs ?? []).entries()) {
    if (!synthesisInputs.includes(noise.name)) fail(`noise_inputs.${i}.name`, `"${noise.name}" is not an input of graphs.synthesis`);
    if (seenNoise.has(noise.name)) fail(`noise_inputs.${i}.name`, `"${noise.name}" is listed twice`);
    seenNoise.add(noise.name);
    if (noise.const_file !== undefined && !Object.hasOwn(m.files, noise.const_file)) {
      fail(`noise_inputs.${i}.const_file`, `"${noise.const_file}" needs a sha256 entry in files`);
    }
  }
  if (m.transform_input && !synthesisInputs.includes(m.transform_input.name)) {
    fail('transform_input.name', `"${m.transform_input.name}" is not an input of graphs.synthesis`);
  }
  return m;
}
