/**
 * The user library's index, `<data>/library.json`: what the user calls each imported model, when
 * it came in, from where, and the sha256 of every file as verified on import. The model folders
 * are the truth; the index adds what folders cannot hold and is rebuilt from them when it is
 * missing or damaged. Written atomically (atomic.ts), so a crash never leaves half an index.
 */
import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic';

/** The index format this studio writes. */
export const LIBRARY_INDEX_FORMAT = 1;

const fileSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });

const entrySchema = z.object({
  /** The name the user sees (renaming changes only this). */
  name: z.string().min(1).max(200),
  /** ISO 8601 time of the import. */
  importedAt: z.string().max(64),
  /** What was imported: a folder, zip or .onnx file name, or "rebuilt" for entries remade from the folders. */
  origin: z.string().max(1000),
  /** sha256 and size of every file, as verified when it was copied in. */
  files: z.record(z.string(), fileSchema),
});

const indexSchema = z.object({
  format: z.literal(LIBRARY_INDEX_FORMAT),
  models: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a model id'), entrySchema),
});

/** One imported model as the index records it. */
export type IndexEntry = z.infer<typeof entrySchema>;
/** The whole index. */
export type LibraryIndex = z.infer<typeof indexSchema>;

/** The index as read: its entries, or why it could not be used (then the caller rebuilds it). */
export type IndexRead = { index: LibraryIndex; damage: null } | { index: null; damage: string | null };

/** Read the index; a missing file is `damage: null`, an unreadable or invalid one names the reason. */
export async function readIndex(file: string): Promise<IndexRead> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { index: null, damage: null };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { index: null, damage: `it is not JSON (${(error as Error).message})` };
  }
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { index: null, damage: `${issue?.path.join('.') || 'the document'} ${issue?.message ?? 'is invalid'}` };
  }
  return { index: parsed.data, damage: null };
}

/** Write the index atomically. */
export function writeIndex(file: string, index: LibraryIndex): Promise<void> {
  return writeJsonAtomic(file, index);
}
