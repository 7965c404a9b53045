/**
 * Project-file formats and the steps between them. A file names its `format`; opening it runs
 * every migration from that format up to {@link CURRENT_PROJECT_FORMAT}, one version at a time, so
 * a file saved by any earlier studio opens in this one. A file from a newer studio is refused with
 * a message saying so (guessing at fields this studio does not know would lose the artist's work).
 *
 * Format history: 1 — the first project format (model by id and graph sha256, latent state,
 * timeline, directions, map settings). When the format changes, raise CURRENT_PROJECT_FORMAT and
 * append the step from the previous format to PROJECT_MIGRATIONS.
 */

/** The project format this studio writes. */
export const CURRENT_PROJECT_FORMAT = 1;

/** A project document as JSON: fields are checked by the schema only after migration. */
export type ProjectDocument = Record<string, unknown>;

/** One step: turns a document of format `from` into one of format `from + 1`. */
export interface ProjectMigration {
  readonly from: number;
  migrate(document: ProjectDocument): ProjectDocument;
}

/** The steps from every earlier format to the current one, in order (empty while there is one format). */
export const PROJECT_MIGRATIONS: readonly ProjectMigration[] = [];

/** Raised for a file that is not a project this studio can open; the message says what to do. */
export class ProjectError extends Error {
  override readonly name = 'ProjectError';
}

function isObject(value: unknown): value is ProjectDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Bring a parsed project document up to `current`: refuse what is not a project or comes from a
 * newer studio, then apply each migration from the document's format on. Throws
 * {@link ProjectError} only; the result still needs the schema's check.
 */
export function migrateProject(
  document: unknown,
  source = 'the project file',
  migrations: readonly ProjectMigration[] = PROJECT_MIGRATIONS,
  current = CURRENT_PROJECT_FORMAT,
): ProjectDocument {
  if (!isObject(document)) throw new ProjectError(`${source} is not a Latent Studio project (it holds no JSON object); choose a .latent.json file`);
  const format = document.format;
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) {
    throw new ProjectError(`${source} is not a Latent Studio project (it has no valid "format" number); choose a .latent.json file`);
  }
  if (format > current) {
    const readable = current === 1 ? 'format 1' : `formats 1–${current}`;
    throw new ProjectError(`${source} was saved by a newer Latent Studio (project format ${format}; this studio reads ${readable}); update Latent Studio to open it`);
  }
  let migrated = document;
  for (let version = format; version < current; version++) {
    const step = migrations.find((m) => m.from === version);
    if (!step) throw new ProjectError(`${source} uses project format ${version}, which this studio cannot convert; update Latent Studio`);
    try {
      migrated = step.migrate(migrated);
    } catch (error) {
      // A damaged old file can break a step in any way; the user needs one kind of answer.
      throw new ProjectError(`${source} (format ${version}) could not be converted (${(error as Error).message}); open an earlier copy`);
    }
    if (!isObject(migrated) || migrated.format !== version + 1) {
      throw new ProjectError(`${source}: converting format ${version} did not give format ${version + 1}; update Latent Studio`);
    }
  }
  return migrated;
}
