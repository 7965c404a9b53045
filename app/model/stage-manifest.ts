/**
 * The `image2image` package family: a network that takes a picture and gives a picture
 * (super-resolution such as ESRGAN, a pix2pix / CycleGAN translator). Such packages are stages the
 * studio runs after a generator on export, never generators themselves, so their manifest has its
 * own schema here rather than a branch of the generator's (manifest.ts); both share the graph and
 * file entries, and models/README.md documents the keys.
 */
import { z } from 'zod';
import { fileEntrySchema, graphSchema, ManifestError, MANIFEST_FORMAT, packageFileName } from './manifest';
import type { OnnxInfo } from './onnx';

/** The family name of image-to-image stages. */
export const STAGE_FAMILY = 'image2image';
/** The key of a stage's one graph in `graphs`. */
export const STAGE_GRAPH = 'model';
/** The largest output/input factor a stage may declare (ESRGAN's is 4; 8× exists, beyond is not a stage). */
export const MAX_STAGE_SCALE = 8;

const finite = z.number().finite();

/** Zod schema of an image2image manifest.json. Cross-field rules are checked in {@link parseStageManifest}. */
export const stageManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"'),
  name: z.string().min(1),
  license: z.string(),
  attribution: z.string(),
  family: z.literal(STAGE_FAMILY),
  description: z.string().optional(),
  /** Output size / input size, the same on both axes. */
  scale: z.number().int().min(1).max(MAX_STAGE_SCALE),
  img_channels: z.union([z.literal(1), z.literal(3)]),
  input_range: z.tuple([finite, finite]),
  output_range: z.tuple([finite, finite]),
  /** How many input pixels on each side one output pixel depends on; tiles overlap by at least this much. */
  receptive_field: z.number().int().nonnegative().max(1024).optional(),
  /** Tiling hint in input pixels: tile edge and overlap on each side. */
  tile: z.object({ size: z.number().int().min(8).max(4096), overlap: z.number().int().nonnegative().max(1024) }).optional(),
  graphs: z.record(z.string(), graphSchema),
  files: z.record(packageFileName, fileEntrySchema),
  /** What the exporter recorded (training steps, figures); shown, never interpreted. */
  training: z.record(z.string(), z.unknown()).optional(),
});

/** A validated image2image manifest. */
export type StageManifest = z.infer<typeof stageManifestSchema>;

/** Whether a parsed manifest.json declares the image2image family (so it is read with {@link parseStageManifest}). */
export function isStageManifestJson(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { family?: unknown }).family === STAGE_FAMILY;
}

function fail(field: string, reason: string): never {
  throw new ManifestError(field, reason);
}

/**
 * Validate a parsed image2image manifest.json. Throws {@link ManifestError} naming the first bad
 * field; returns the manifest.
 */
export function parseStageManifest(input: unknown): StageManifest {
  const result = stageManifestSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    fail(issue ? issue.path.join('.') : '', issue ? issue.message.toLowerCase() : 'is invalid');
  }
  const m = result.data;
  for (const key of ['input_range', 'output_range'] as const) {
    if (!(m[key][0] < m[key][1])) fail(key, 'must be [low, high] with low < high');
  }
  const keys = Object.keys(m.graphs);
  if (keys.length !== 1 || keys[0] !== STAGE_GRAPH) fail('graphs', `must hold exactly one graph, "${STAGE_GRAPH}"`);
  const graph = m.graphs[STAGE_GRAPH]!;
  if (graph.inputs.length !== 1) fail(`graphs.${STAGE_GRAPH}.inputs`, 'must name exactly one input (the image)');
  if (graph.outputs.length !== 1) fail(`graphs.${STAGE_GRAPH}.outputs`, 'must name exactly one output (the image)');
  if (!Object.hasOwn(m.files, graph.file)) fail(`files.${graph.file}`, 'is missing: every graph file needs a sha256 entry');
  // Stages run on export only, where precision matters more than speed: they are always float32.
  if (graph.fp16) fail(`graphs.${STAGE_GRAPH}.fp16`, 'is not supported for image-to-image stages, which always run in float32; remove it');
  if (m.tile && m.receptive_field !== undefined && m.tile.overlap < m.receptive_field) {
    fail('tile.overlap', `is ${m.tile.overlap} but receptive_field is ${m.receptive_field}: tiles must overlap by at least the receptive field`);
  }
  if (m.tile && 2 * m.tile.overlap >= m.tile.size) fail('tile.overlap', `must be less than half of tile.size (${m.tile.size})`);
  return m;
}

/**
 * Check a stage's graph against its manifest: the named input and output exist, there is no other
 * input, both are float32 [N, C, H, W] with C = img_channels where fixed, and the input's height
 * and width are symbolic (a stage runs on tiles of any size). One sentence per problem.
 */
export function checkStageGraph(manifest: StageManifest, info: OnnxInfo): string[] {
  const spec = manifest.graphs[STAGE_GRAPH]!;
  const where = `graph "${STAGE_GRAPH}" (${spec.file})`;
  const problems: string[] = [];
  for (const [role, name, declared] of [
    ['input', spec.inputs[0]!, info.inputs],
    ['output', spec.outputs[0]!, info.outputs],
  ] as const) {
    const value = declared.find((v) => v.name === name);
    if (!value) {
      problems.push(`${where} has no ${role} "${name}"; its ${role}s are ${declared.map((v) => `"${v.name}"`).join(', ') || 'none'}.`);
      continue;
    }
    const dims = value.dims;
    const shown = dims ? `[${dims.join(', ')}]` : '[unknown rank]';
    if (value.elemType !== 'float32') problems.push(`${where} ${role} "${name}" is ${value.elemType} ${shown}, but a stage takes and gives float32.`);
    if (!dims || dims.length !== 4) {
      problems.push(`${where} ${role} "${name}" is ${shown}, but a stage takes and gives images [N, C, H, W].`);
      continue;
    }
    if (typeof dims[1] === 'number' && dims[1] !== manifest.img_channels) {
      problems.push(`${where} ${role} "${name}" has ${dims[1]} channels ${shown}, but the manifest says img_channels ${manifest.img_channels}.`);
    }
    if (role === 'input' && (typeof dims[2] === 'number' || typeof dims[3] === 'number')) {
      problems.push(
        `${where} input "${name}" is ${shown} with a fixed height or width; a stage runs on tiles of any size, so export it with dynamic H and W axes.`,
      );
    }
  }
  for (const input of info.inputs.filter((v) => v.name !== spec.inputs[0])) {
    problems.push(`${where} takes input "${input.name}", which the manifest does not list, so the studio would never feed it.`);
  }
  return problems;
}
