/**
 * Single-file imports: an .onnx that maps a latent z to an image becomes a model package of family
 * `plain`. Its interface is read from the graph (readOnnxInfo); what the graph leaves open — a
 * symbolic z length or image size, and always the output's value range — the user confirms, and
 * the manifest is written from both.
 */
import { parseManifest, type Manifest } from './manifest';
import type { OnnxInfo, OnnxValueInfo } from './onnx';
import { PLAIN_INPUT, PLAIN_OUTPUT, type InterfaceChange, type OnnxDim } from './onnx-rewrite';

/** The file name a plain package keeps its graph under. */
export const PLAIN_GRAPH_FILE = 'generator.onnx';

/** Raised when a single .onnx is not a z → image generator, or the confirmed settings do not fit it. */
export class PlainModelError extends Error {
  override readonly name = 'PlainModelError';
}

/** What the graph says about its z → image interface; null where a dimension is symbolic. */
export interface PlainDetection {
  inputName: string;
  inputRank: 2 | 4;
  /** The z input's batch dimension as declared (kept when the input is reshaped). */
  batch: OnnxDim;
  zDim: number | null;
  outputName: string;
  channels: 1 | 3 | null;
  resolution: number | null;
}

/** What the user confirms in the import dialog. */
export interface PlainSettings {
  name: string;
  z_dim: number;
  resolution: number;
  img_channels: 1 | 3;
  output_range: [number, number];
}

function shape(v: OnnxValueInfo): string {
  return v.dims ? `[${v.dims.join(', ')}]` : '[unknown rank]';
}

const fixed = (d: OnnxDim | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);

/**
 * Find the z → image interface of a graph: exactly one input, float32, [N, z] or [N, z, 1, 1];
 * and a float32 output [N, C, H, W] with C of 1 or 3 and H = W where fixed. Throws
 * {@link PlainModelError} saying which part does not fit and what the studio needs instead.
 */
export function detectPlainGenerator(info: OnnxInfo, file: string): PlainDetection {
  const need = 'a z → image generator takes one float32 input z [N, z_dim] (or [N, z_dim, 1, 1]) and gives a float32 image [N, C, H, W]';
  if (info.inputs.length !== 1) {
    const list = info.inputs.map((v) => `"${v.name}" ${shape(v)}`).join(', ') || 'none';
    throw new PlainModelError(`${file} takes ${info.inputs.length} inputs (${list}), but ${need}; import it as a model package with a manifest instead`);
  }
  const input = info.inputs[0]!;
  const dims = input.dims;
  const rank4 = dims?.length === 4 && dims[2] === 1 && dims[3] === 1;
  if (input.elemType !== 'float32' || !dims || (dims.length !== 2 && !rank4)) {
    throw new PlainModelError(`${file} takes input "${input.name}" as ${input.elemType} ${shape(input)}, but ${need}`);
  }
  const image = info.outputs.find((v) => v.elemType === 'float32' && v.dims?.length === 4);
  if (!image) {
    const list = info.outputs.map((v) => `"${v.name}" ${v.elemType} ${shape(v)}`).join(', ');
    throw new PlainModelError(`${file} gives ${list}, but ${need}`);
  }
  const [, c, h, w] = image.dims!;
  const channels = fixed(c);
  if (channels !== null && channels !== 1 && channels !== 3) {
    throw new PlainModelError(`${file} gives an image with ${channels} channels ${shape(image)}; the studio shows 1 (grey) or 3 (RGB) channels`);
  }
  const height = fixed(h);
  const width = fixed(w);
  if (height !== null && width !== null && height !== width) {
    throw new PlainModelError(`${file} gives ${height}×${width} images ${shape(image)}; the studio shows square images only`);
  }
  return {
    inputName: input.name,
    inputRank: rank4 ? 4 : 2,
    batch: dims[0] ?? 'N',
    zDim: fixed(dims[1]),
    outputName: image.name,
    channels: channels as 1 | 3 | null,
    resolution: height ?? width,
  };
}

/** How the graph's names and z shape must change so the studio can drive it (see onnx-rewrite.ts). */
export function interfaceChange(detection: PlainDetection, settings: PlainSettings): InterfaceChange {
  return {
    input: { name: detection.inputName, rank: detection.inputRank, batch: detection.batch, zDim: settings.z_dim },
    output: detection.outputName,
  };
}

/** Check confirmed settings against what the graph fixes; throws {@link PlainModelError} naming the disagreement. */
export function checkPlainSettings(detection: PlainDetection, settings: PlainSettings): void {
  const disagree = (what: string, graph: number, asked: number) =>
    new PlainModelError(`the graph fixes ${what} at ${graph}, but the import settings say ${asked}; set ${what} to ${graph}`);
  if (detection.zDim !== null && detection.zDim !== settings.z_dim) throw disagree('z_dim', detection.zDim, settings.z_dim);
  if (detection.resolution !== null && detection.resolution !== settings.resolution) {
    throw disagree('the resolution', detection.resolution, settings.resolution);
  }
  if (detection.channels !== null && detection.channels !== settings.img_channels) {
    throw disagree('the channel count', detection.channels, settings.img_channels);
  }
  if (!(settings.output_range[0] < settings.output_range[1])) {
    throw new PlainModelError(`the output range must be [low, high] with low < high, not [${settings.output_range.join(', ')}]`);
  }
}

/** The manifest of a plain package made from one graph file; validated by parseManifest. */
export function plainManifest(
  id: string,
  settings: PlainSettings,
  file: { sha256: string; bytes: number },
  origin: { fileName: string; detection: PlainDetection },
): Manifest {
  return parseManifest({
    format: 1,
    id,
    name: settings.name,
    license: 'unknown (imported by the user; check the licence of the weights)',
    attribution: `Imported from ${origin.fileName}`,
    family: 'plain',
    resolution: settings.resolution,
    img_channels: settings.img_channels,
    z_dim: settings.z_dim,
    w_dim: 0,
    num_ws: 0,
    c_dim: 0,
    class_names: [],
    output_range: settings.output_range,
    graphs: { generator: { file: PLAIN_GRAPH_FILE, inputs: [PLAIN_INPUT], outputs: [PLAIN_OUTPUT] } },
    files: { [PLAIN_GRAPH_FILE]: file },
    generator: {
      source: 'single-onnx-import',
      original_file: origin.fileName,
      original_input: origin.detection.inputName,
      original_output: origin.detection.outputName,
      reshaped_z: origin.detection.inputRank === 4,
    },
  });
}

/** A model id from a display name: lowercase letters, digits, "-"; never empty. */
export function slugId(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug || 'model';
}
