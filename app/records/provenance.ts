/**
 * The provenance record every exported PNG carries in its `latent-studio` iTXt chunk: JSON that
 * says which model made the image and from which latents, so that anyone can reproduce it and the
 * studio can restore it when the file is dropped back. docs/PROVENANCE.md documents every key.
 */
import { z } from 'zod';
import type { Manifest } from '../model/manifest';
import { describeIssue, latentStateSchema, seedSchema } from '../state/schemas';
import type { ExplicitLatent, LatentState } from '../state/latent-state';
import { float32ToBase64 } from '../codecs/float32-base64';
import { PngError, PROVENANCE_KEYWORD, readITxt } from '../codecs/png';

/** The version of the record this studio writes; records of a higher version are refused. */
export const PROVENANCE_FORMAT = 1;

/** Raised for a missing, malformed or unsupported provenance record; the message says what to do. */
export class ProvenanceError extends Error {
  override readonly name = 'ProvenanceError';
}

const finite = z.number().finite();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

/** The `model` key of a record of either kind: which weights made the pixels. */
export const recordModelSchema = z.object({ id: z.string().min(1), name: z.string(), sha256 });
/** The `family` key of a record of either kind. */
export const recordFamilySchema = z.enum(['stylegan', 'conditional', 'plain']);
/** The `image` key of a single image's record; a grid's record adds the gap between its cells. */
export const recordImageSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  scale: z.number().int().positive(),
  filter: z.enum(['nearest', 'bilinear']),
});

const provenanceSchema = z.object({
  format: z.literal(PROVENANCE_FORMAT),
  software: z.string(),
  model: recordModelSchema,
  family: recordFamilySchema,
  seed: seedSchema,
  z: z.array(finite),
  ws: z.array(z.array(finite)).nullable(),
  psi: finite,
  cutoff: z.number().int().nonnegative().nullable(),
  mix: latentStateSchema.shape.mix,
  edits: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      space: z.enum(['w', 'z']),
      amount: finite,
      scale: finite,
      rows: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).nullable(),
    }),
  ),
  class: latentStateSchema.shape.classes,
  noise_mode: z.string(),
  image: recordImageSchema,
  state: latentStateSchema,
});

/** A parsed provenance record (docs/PROVENANCE.md). */
export type Provenance = z.infer<typeof provenanceSchema>;

/** What {@link buildProvenance} records about the image itself. */
export interface ProvenanceImage {
  width: number;
  height: number;
  scale: number;
  filter: 'nearest' | 'bilinear';
}

/**
 * The sha256 that identifies a model's weights in a record: the manifest's sha256 of the synthesis
 * graph for StyleGAN models (the record's ws plus that graph decide the pixels), of the generator
 * graph for the other families.
 */
export function modelSha256(manifest: Manifest): string {
  const graph = manifest.family === 'stylegan' ? manifest.graphs.synthesis : manifest.graphs.generator;
  const entry = graph ? manifest.files[graph.file] : undefined;
  if (!entry) throw new ProvenanceError(`model "${manifest.id}" lists no sha256 for its ${manifest.family === 'stylegan' ? 'synthesis' : 'generator'} graph`);
  return entry.sha256;
}

/** Rows of a flat ws, as the record stores them (num_ws arrays of w_dim numbers). */
function wsRows(ws: ArrayLike<number>, numWs: number, wDim: number): number[][] {
  if (ws.length !== numWs * wDim) throw new ProvenanceError(`ws has ${ws.length} values, expected num_ws·w_dim = ${numWs * wDim}`);
  return Array.from({ length: numWs }, (_, r) => Array.from({ length: wDim }, (_, j) => ws[r * wDim + j]!));
}

/** Everything a record is built from. */
export interface ProvenanceInput {
  manifest: Manifest;
  state: LatentState;
  /** The z the generator saw (before mapping; for BigGAN, already scaled by ψ). */
  z: ArrayLike<number>;
  /** The final ws (after truncation, mixing and edits); null for families without W. */
  ws: ArrayLike<number> | null;
  image: ProvenanceImage;
  /** Name and version of the writer, e.g. "Latent Studio 0.1.0". */
  software: string;
}

/**
 * Build the record of one exported image (it shares arrays with `input.state`: serialise it, do not
 * keep it). Float32 values are written exactly (every float32 is a JSON double).
 */
export function buildProvenance(input: ProvenanceInput): Provenance {
  const { manifest, state } = input;
  const noiseMode = manifest.generator?.noise_mode;
  return {
    format: PROVENANCE_FORMAT,
    software: input.software,
    model: { id: manifest.id, name: manifest.name, sha256: modelSha256(manifest) },
    family: manifest.family,
    seed: state.seed,
    z: Array.from(input.z),
    ws: input.ws ? wsRows(input.ws, manifest.num_ws, manifest.w_dim) : null,
    psi: state.psi,
    cutoff: state.cutoff,
    mix: state.mix,
    // The direction vectors live in `state.edits`; the summary here says what was pushed and how far.
    edits: state.edits.map(({ id, name, space, amount, scale, rows }) => ({ id, name, space, amount, scale, rows })),
    class: state.classes,
    // A package with noise inputs is fed the state's noise; others bake in what they were exported with.
    noise_mode: manifest.noise_inputs?.length ? state.noise.mode : typeof noiseMode === 'string' ? noiseMode : 'const',
    image: { ...input.image },
    state,
  };
}

/**
 * The record as the iTXt chunk's text. Explicit latents in `state` (the main one, kept mixing
 * sources') are written as base64 little-endian float32 (`float32` in place of `data`): exact, and
 * a quarter of the text their JSON numbers would take.
 */
export function provenanceText(record: Provenance): string {
  return JSON.stringify(record, (key, value: unknown) => {
    if (key !== 'explicit' || value === undefined) return value;
    const { space, shape, data, origin } = value as ExplicitLatent;
    return { space, shape, origin, float32: float32ToBase64(data) };
  });
}

/**
 * The JSON value of a record's text, of either kind, not yet checked against a schema. Throws
 * {@link ProvenanceError} on bad JSON or a record of a newer format than this studio reads.
 */
export function recordJson(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProvenanceError(`the Latent Studio record is not valid JSON (${(error as Error).message}); re-export the image`);
  }
  if (json !== null && typeof json === 'object' && 'format' in json && typeof json.format === 'number' && json.format > PROVENANCE_FORMAT) {
    throw new ProvenanceError(`the Latent Studio record has format ${json.format}, newer than this studio reads (${PROVENANCE_FORMAT}); update Latent Studio`);
  }
  return json;
}

/**
 * Parse a record's JSON text. Throws {@link ProvenanceError} (and nothing else) on bad JSON, a
 * record of another version, a missing or mistyped key, or ws rows of unequal length.
 */
export function parseProvenance(text: string): Provenance {
  return provenanceFromJson(recordJson(text));
}

/**
 * Check a single image's record, already read by {@link recordJson}, against its schema. Throws
 * {@link ProvenanceError} on a missing or mistyped key or ws rows of unequal length.
 */
export function provenanceFromJson(json: unknown): Provenance {
  const result = provenanceSchema.safeParse(json);
  if (!result.success) throw new ProvenanceError(`the Latent Studio record is malformed at ${describeIssue(result.error)}; re-export the image`);
  const record = result.data;
  if (record.ws && record.ws.some((row) => row.length !== record.ws![0]!.length)) {
    throw new ProvenanceError('the Latent Studio record is malformed: its ws rows differ in length; re-export the image');
  }
  return record;
}

/**
 * The text of a PNG's `latent-studio` chunk, of either kind. Throws {@link ProvenanceError} when
 * the file is not a readable PNG or carries no record.
 */
export function recordText(png: Uint8Array): string {
  let text: string | undefined;
  try {
    text = readITxt(png, PROVENANCE_KEYWORD);
  } catch (error) {
    if (!(error instanceof PngError)) throw error;
    throw new ProvenanceError(error.message);
  }
  if (text === undefined) {
    throw new ProvenanceError('this PNG carries no Latent Studio record: only images exported by Latent Studio can restore a state');
  }
  return text;
}

/**
 * Read the record of a PNG file. Throws {@link ProvenanceError} when the file is not a readable PNG,
 * carries no record, or its record is malformed.
 */
export function readProvenance(png: Uint8Array): Provenance {
  return parseProvenance(recordText(png));
}

