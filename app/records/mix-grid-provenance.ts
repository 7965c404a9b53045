/**
 * The `latent-studio` record of an exported mixing grid (`kind: "mix-grid"`): the grid's layout and
 * every cell's latent state and place in the image, so the grid can be rebuilt exactly. A PNG's
 * record is either this or a single image's (provenance.ts); {@link readStudioRecord} tells them
 * apart. docs/PROVENANCE.md documents every key.
 */
import { z } from 'zod';
import { describeIssue, latentStateSchema, seedSchema } from '../state/schemas';
import {
  provenanceFromJson,
  PROVENANCE_FORMAT,
  ProvenanceError,
  recordFamilySchema,
  recordImageSchema,
  recordJson,
  recordModelSchema,
  recordText,
  type Provenance,
} from './provenance';

const finite = z.number().finite();
const index = z.number().int().nonnegative();
const px = z.number().int().nonnegative();

const cellSchema = z.object({
  role: z.enum(['a', 'b', 'mix']),
  a: index.nullable(),
  b: index.nullable(),
  x: px,
  y: px,
  width: px,
  height: px,
  state: latentStateSchema,
});

const mixGridSchema = z.object({
  format: z.literal(PROVENANCE_FORMAT),
  kind: z.literal('mix-grid'),
  software: z.string(),
  model: recordModelSchema,
  family: recordFamilySchema,
  grid: z.object({
    seeds_a: z.array(seedSchema).min(1),
    seeds_b: z.array(seedSchema).min(1),
    preset: z.enum(['coarse', 'middle', 'fine']).nullable(),
    rows: z.array(index),
    psi: finite,
    cutoff: index.nullable(),
  }),
  image: recordImageSchema.extend({ gap: px }),
  cells: z.array(cellSchema),
});

/** A parsed mixing-grid record. */
export type MixGridRecord = z.infer<typeof mixGridSchema>;
/** One image of a grid record: a header (role a / b) or a mixed cell. */
export type MixGridCell = MixGridRecord['cells'][number];

/** The record as the iTXt chunk's text. */
export function mixGridRecordText(record: MixGridRecord): string {
  return JSON.stringify(record);
}

function malformed(what: string): ProvenanceError {
  return new ProvenanceError(`the Latent Studio grid record is malformed: ${what}; re-export the grid`);
}

/** Check a parsed grid record against itself: one cell per header and per A×B pair, each inside the image. */
function checkGrid(record: MixGridRecord): MixGridRecord {
  const { seeds_a: a, seeds_b: b } = record.grid;
  const expected = a.length + b.length + a.length * b.length;
  if (record.cells.length !== expected) throw malformed(`a ${a.length}×${b.length} grid has ${expected} cells, this one lists ${record.cells.length}`);
  for (const cell of record.cells) {
    const inRange = (cell.a === null || cell.a < a.length) && (cell.b === null || cell.b < b.length);
    const shaped = cell.role === 'a' ? cell.a !== null && cell.b === null : cell.role === 'b' ? cell.a === null && cell.b !== null : cell.a !== null && cell.b !== null;
    if (!inRange || !shaped) throw malformed(`cell (${cell.a}, ${cell.b}) of role "${cell.role}" is not in the grid`);
    if (cell.x + cell.width > record.image.width || cell.y + cell.height > record.image.height) throw malformed(`cell (${cell.a}, ${cell.b}) lies outside the image`);
  }
  return record;
}

/** What a `latent-studio` chunk holds: one image's record or a mixing grid's. */
export type StudioRecord = { kind: 'image'; record: Provenance } | { kind: 'mix-grid'; record: MixGridRecord };

/**
 * Parse a record's JSON text of either kind. Throws {@link ProvenanceError} (and nothing else) for
 * bad JSON, a newer format, or a malformed record.
 */
export function parseStudioRecord(text: string): StudioRecord {
  const json = recordJson(text);
  if (json === null || typeof json !== 'object' || !('kind' in json) || json.kind !== 'mix-grid') return { kind: 'image', record: provenanceFromJson(json) };
  const result = mixGridSchema.safeParse(json);
  if (!result.success) throw malformed(`at ${describeIssue(result.error)}`);
  return { kind: 'mix-grid', record: checkGrid(result.data) };
}

/**
 * Read the record of a PNG file, of either kind. Throws {@link ProvenanceError} when the file is not
 * a readable PNG, carries no record, or its record is malformed.
 */
export function readStudioRecord(png: Uint8Array): StudioRecord {
  return parseStudioRecord(recordText(png));
}
