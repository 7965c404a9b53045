/**
 * The manifest `models/tools/export_stylegan.py` writes for every StyleGAN package, field for
 * field and in its order, so that the StyleGAN2 and StyleGAN3 converters state only what differs
 * between them (ws resolutions, side files, noise or transform inputs, the generator record) and a
 * field added to the format is added once.
 */
import type { MappingSpec } from './stylegan-mapping';

/** What a StyleGAN converter knows about the package it built. */
export interface StyleGanManifestParts {
  readonly id: string;
  readonly name: string;
  readonly attribution: string;
  readonly resolution: number;
  readonly imgChannels: number;
  /** z_dim, c_dim, w_dim and num_ws, as the mapping network has them. */
  readonly mapping: MappingSpec;
  readonly wAvg: Float32Array;
  readonly wsResolutions: readonly number[];
  readonly synthesisInputs: readonly string[];
  readonly sideFiles: Readonly<Record<string, string>>;
  /** Fields between side_files and generator (noise_inputs, transform_input). */
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly generator: {
    readonly source: string;
    readonly architecture: string;
    readonly initKwargs: Readonly<Record<string, unknown>>;
    readonly exporter: string;
    readonly styleAffineLayers: readonly unknown[];
    /** Fields after style_affine_layers. */
    readonly more?: Readonly<Record<string, unknown>>;
  };
}

/** The manifest, `files` left empty for the package writer. */
export function styleGanManifest(p: StyleGanManifestParts): Record<string, unknown> {
  const m = p.mapping;
  return {
    format: 1,
    id: p.id,
    name: p.name,
    license: 'see source',
    attribution: p.attribution,
    family: 'stylegan',
    resolution: p.resolution,
    img_channels: p.imgChannels,
    z_dim: m.zDim,
    w_dim: m.wDim,
    num_ws: m.numWs,
    c_dim: m.cDim,
    class_names: Array.from({ length: m.cDim }, (_, i) => `class ${i}`),
    output_range: [-1, 1],
    ws_resolutions: p.wsResolutions,
    w_avg: Array.from(p.wAvg),
    graphs: {
      mapping: { file: 'mapping.onnx', inputs: m.cDim > 0 ? ['z', 'c'] : ['z'], outputs: ['ws'] },
      synthesis: { file: 'synthesis.onnx', inputs: p.synthesisInputs, outputs: ['img'] },
    },
    files: {},
    side_files: p.sideFiles,
    ...p.inputs,
    generator: {
      source: p.generator.source,
      architecture: p.generator.architecture,
      init_kwargs: p.generator.initKwargs,
      noise_mode: 'const',
      exporter: p.generator.exporter,
      style_affine_layers: p.generator.styleAffineLayers,
      ...p.generator.more,
    },
  };
}
