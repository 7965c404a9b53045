/**
 * The project file: the whole studio state an artist builds up — which model (by id and the sha256
 * of its graphs), the latent state with its mixing, edits and classes, the edit directions, the
 * timeline's keyframes and the latent map's settings — as versioned JSON. Older formats are
 * brought up to date by app/project/migrations.ts before this schema checks them.
 */
import { z } from 'zod';
import { directionSchema, MAX_DIRECTIONS } from '../latent/directions';
import { cutoffProblem, psiProblem } from '../model/latent-domain';
import { latentStateSchema, timelineSchema } from '../state/schemas';
import { stateExplicitMismatch, type LatentShapes } from '../state/explicit-latent';
import { CURRENT_PROJECT_FORMAT, migrateProject, ProjectError } from './migrations';

export { CURRENT_PROJECT_FORMAT, ProjectError } from './migrations';

/** What every project file says it is, so a stray JSON file is told apart from a damaged project. */
export const PROJECT_KIND = 'latent-studio-project';
/** The largest project file the studio reads (keyframes carry edit vectors, so allow some room). */
export const MAX_PROJECT_BYTES = 16 * 1024 * 1024;
/** File name ending of project files. */
export const PROJECT_EXTENSION = '.latent.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

/** The latent map's view settings (its sampled points are recomputed, not saved). */
export const mapSettingsSchema = z.object({
  open: z.boolean(),
  count: z.number().int().min(3).max(1_000_000),
  projection: z.enum(['pca', 'umap']),
  local: z.boolean(),
  colouring: z.discriminatedUnion('by', [
    z.object({ by: z.literal('position') }),
    z.object({ by: z.literal('class') }),
    z.object({ by: z.literal('direction'), id: z.string().min(1).max(200) }),
  ]),
});

/** Schema of a project file in the current format. */
export const projectSchema = z.object({
  kind: z.literal(PROJECT_KIND),
  format: z.literal(CURRENT_PROJECT_FORMAT),
  /** ISO 8601 time of the save. */
  savedAt: z.string().max(64),
  model: z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a model id').max(200),
    /** Display name at save time, for messages when the model is missing. */
    name: z.string().max(200),
    /** sha256 of each graph file: tells whether the model on this machine is the one the work was done with. */
    graphs: z.record(z.string().max(200), sha256),
  }),
  latent: latentStateSchema,
  timeline: timelineSchema,
  directions: z.array(directionSchema).max(MAX_DIRECTIONS),
  map: mapSettingsSchema.nullable(),
});

/** A project, current format. */
export type Project = z.infer<typeof projectSchema>;
/** The latent map's settings as a project keeps them. */
export type MapSettings = z.infer<typeof mapSettingsSchema>;

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is not a Latent Studio project';
  const where = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the document';
  return `${where} ${issue.message.toLowerCase()}`;
}

/**
 * Validate a parsed project document of any known format: migrate it to the current format, then
 * check it. Throws {@link ProjectError} (and nothing else) saying what is wrong and what to do.
 */
export function parseProject(document: unknown, source = 'the project file'): Project {
  const current = migrateProject(document, source);
  const result = projectSchema.safeParse(current);
  if (!result.success) {
    throw new ProjectError(`${source} is damaged: ${describe(result.error)}; open an earlier copy, or its autosave`);
  }
  return result.data;
}

/** Parse the text of a project file; throws {@link ProjectError} for anything that is not a readable project. */
export function parseProjectText(text: string, source = 'the project file'): Project {
  if (text.length === 0) throw new ProjectError(`${source} is empty (0 bytes): it was not saved completely; open an earlier copy`);
  if (text.length > MAX_PROJECT_BYTES) {
    throw new ProjectError(`${source} is larger than ${MAX_PROJECT_BYTES / (1024 * 1024)} MiB, too large for a project file; check you chose the right file`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ProjectError(`${source} is not JSON (${(error as Error).message}); choose a .latent.json project file`);
  }
  return parseProject(document, source);
}

/** The text written for a project: stable key order, two-space indent, trailing newline. */
export function serializeProject(project: Project): string {
  return `${JSON.stringify(projectSchema.parse(project), null, 2)}\n`;
}

/**
 * Check that the project's truncation values (its latent's and every keyframe's) fit `manifest`'s
 * domain (app/model/latent-domain.ts), and its explicit latents the model's shapes: a project
 * edited by hand or made for another model could otherwise feed a model a ψ it has no statistics
 * for, or a ws it cannot take.
 * @throws ProjectError naming the value, the domain and what to do.
 */
export function checkProjectFitsModel(project: Project, manifest: LatentShapes): void {
  const states = [{ where: 'latent', state: project.latent }, ...project.timeline.keyframes.map((k, i) => ({ where: `timeline.keyframes[${i}].state`, state: k.state }))];
  for (const { where, state } of states) {
    const psi = psiProblem(manifest, state.psi);
    const cutoff = cutoffProblem(manifest, state.cutoff);
    const explicit = stateExplicitMismatch(state, manifest);
    const problem = psi ? `${where}.psi ${psi}` : cutoff ? `${where}.cutoff ${cutoff}` : explicit ? `${where}: ${explicit}` : null;
    if (problem) throw new ProjectError(`the project does not fit the model "${manifest.id}": ${problem}; correct it in the project file, then open it again`);
  }
}
