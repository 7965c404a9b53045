/**
 * The one typed API between the renderer and whichever host runs it (Electron IPC through the
 * preload, or HTTP in the browser host). Both sides import this file: hosts validate every request
 * against `request` at run time, and the renderer's API type is derived from it, never copied.
 */
import { z } from 'zod';
import { manifestSchema } from '../model/manifest';
import { stageManifestSchema } from '../model/stage-manifest';
import { directionSchema, MAX_DIRECTIONS } from '../latent/directions';
import { projectSchema } from '../project/schema';
import { HOST_KINDS, hostCapabilitiesSchema } from './capabilities';
import { oscPortSchema, oscStatusSchema } from './live';

const modelEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  family: z.enum(['stylegan', 'conditional', 'plain']),
  /** Where the package comes from: shipped with the studio, or imported into the user's library. */
  source: z.enum(['bundled', 'library']),
  /** URL prefix (same origin as the renderer) from which the package's files are streamed. */
  baseUrl: z.string(),
  manifest: manifestSchema,
});

/** A model the host can serve. */
export type ModelEntry = z.infer<typeof modelEntrySchema>;

/** An image-to-image stage package (family image2image): listed beside the models, never opened as a generator. */
const stageEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  source: z.enum(['bundled', 'library']),
  baseUrl: z.string(),
  manifest: stageManifestSchema,
});

/** A stage the host can serve. */
export type StageEntry = z.infer<typeof stageEntrySchema>;

/** A model id as manifests spell it (safe as a file name: no separators, never `.` or `..`). */
const modelIdSchema = z.string().max(200).regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a model id');

/** The kinds of file an export writes, by extension. */
export const EXPORT_KINDS = ['png', 'npy', 'npz', 'mp4', 'webm', 'gif'] as const;
/** One of {@link EXPORT_KINDS}. */
export type ExportKind = (typeof EXPORT_KINDS)[number];
/** The most bytes one `exports:write` carries: as base64 in JSON (4/3 of this) it stays under the web host's 1 MiB body limit. */
export const EXPORT_CHUNK_BYTES = 512 * 1024;
/**
 * Whether `name` is a plain file or folder name: 1–200 characters, no separators, no control or
 * reserved characters (Windows' too), not hidden — which also rules out `.` and `..`.
 */
export function isPlainName(name: string): boolean {
  return /^[^\\/:*?"<>|]{1,200}$/.test(name) && !name.startsWith('.') && ![...name].some((c) => c.charCodeAt(0) < 0x20);
}

const plainNameSchema = z.string().refine(isPlainName, 'must be a plain file name (no folders, not starting with ".")');
/** An export handle: 24 random base64url characters, unguessable. */
const exportHandleSchema = z.string().regex(/^[A-Za-z0-9_-]{24}$/, 'must be an export handle');
const base64Schema = z
  .string()
  .max(Math.ceil(EXPORT_CHUNK_BYTES / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
  .refine((s) => s.length % 4 === 0, 'must be padded base64');

/**
 * Names an import while it runs, so the renderer can follow its progress and cancel it: 24 random
 * base64url characters the renderer draws (the browser host takes it as the upload's `?job=`).
 */
export const importJobSchema = z.string().regex(/^[A-Za-z0-9_-]{24}$/, 'must be an import job id');

/**
 * How far a running import is: `receiving` the file's bytes (browser host uploads), `converting` a
 * checkpoint (.pkl, BigGAN folder) to a package or `blending` two models' weights (bytes of
 * weights), then `copying` (checking, hashing and copying the package files). `total` is 0 where
 * the size is not known yet.
 */
const importProgressSchema = z.object({
  phase: z.enum(['receiving', 'converting', 'blending', 'copying']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});

/** A running import's progress report. */
export type ImportProgress = z.infer<typeof importProgressSchema>;

/** A staged single-file import waiting for the user's settings: 24 random base64url characters. */
const stagingIdSchema = z.string().regex(/^[A-Za-z0-9_-]{24}$/, 'must be a staging id');
const modelNameSchema = z.string().trim().min(1, 'must not be empty').max(200);
/** A path on the host's disk, as the host itself gave it (dialog, drop, recent list). */
const hostPathSchema = z.string().min(1).max(4096);

/** What the user confirms for a single .onnx (family `plain`): see app/model/plain.ts. */
const plainSettingsSchema = z
  .object({
    name: modelNameSchema,
    z_dim: z.number().int().min(1).max(65536),
    resolution: z.number().int().min(1).max(8192),
    img_channels: z.union([z.literal(1), z.literal(3)]),
    output_range: z.tuple([z.number().finite(), z.number().finite()]),
  })
  .strict()
  .refine((s) => s.output_range[0] < s.output_range[1], { message: 'output_range must be [low, high] with low < high', path: ['output_range'] });

/** The outcome of an import: the model is in the library, or a single .onnx waits for its settings. */
const importResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('imported'), model: modelEntrySchema }),
  /** An image2image package: listed among the stages (export's post-processing chain), not the models. */
  z.object({ status: z.literal('imported-stage'), stage: stageEntrySchema }),
  z.object({
    status: z.literal('needs-settings'),
    stagingId: stagingIdSchema,
    fileName: z.string(),
    /** What the graph fixes (null where it leaves a dimension open). */
    detected: z.object({
      zDim: z.number().int().positive().nullable(),
      resolution: z.number().int().positive().nullable(),
      channels: z.union([z.literal(1), z.literal(3)]).nullable(),
      inputName: z.string(),
      outputName: z.string(),
    }),
  }),
]);

/** The result of an import request. */
export type ImportResult = z.infer<typeof importResultSchema>;
/** The settings of a single-file import. */
export type PlainImportSettings = z.infer<typeof plainSettingsSchema>;

const unitWeightSchema = z.number().finite().min(0).max(1);

/** A blend's share of parent B (0: parent A, 1: parent B), for the mapping network and per synthesis block ("4", "8", …). */
const blendWeightsSchema = z
  .object({
    mapping: unitWeightSchema,
    synthesis: z.record(z.string().regex(/^[1-9][0-9]{0,4}$/, 'must be a block resolution'), unitWeightSchema).refine((r) => Object.keys(r).length <= 16, 'has more blocks than a StyleGAN has'),
  })
  .strict();

const recentProjectSchema = z.object({ path: z.string(), name: z.string(), savedAt: z.string() });
/** A project in the recent list. */
export type RecentProject = z.infer<typeof recentProjectSchema>;

/** Every method of the host API: its IPC channel / HTTP route name and its payload schemas. */
export const contract = {
  appInfo: {
    channel: 'app:info',
    request: z.object({}).strict(),
    response: z.object({
      name: z.string(),
      version: z.string(),
      host: z.enum(HOST_KINDS),
      /** What this host can do beyond the calls every host answers (capabilities.ts). */
      capabilities: hostCapabilitiesSchema,
    }),
  },
  listModels: {
    channel: 'library:list',
    request: z.object({}).strict(),
    response: z.object({
      models: z.array(modelEntrySchema),
      /** Image-to-image stage packages (bundled and imported), for export's stage chain. */
      stages: z.array(stageEntrySchema),
      defaultModelId: z.string().nullable(),
      /** Packages in the library that could not be listed, and repairs made to its index. */
      problems: z.array(z.object({ dir: z.string(), message: z.string() })),
    }),
  },
  /** The edit directions saved with a model, in the user's order ([] when none were saved). */
  listDirections: {
    channel: 'directions:list',
    request: z.object({ modelId: modelIdSchema }).strict(),
    response: z.object({ directions: z.array(directionSchema) }),
  },
  /** Replace the model's saved directions with `directions` (names, order and vectors as given). */
  saveDirections: {
    channel: 'directions:save',
    request: z.object({ modelId: modelIdSchema, directions: z.array(directionSchema).max(MAX_DIRECTIONS) }).strict(),
    response: z.object({ saved: z.number().int().nonnegative() }),
  },
  /**
   * Start writing an export file `name` (in `folder`, a sub-folder of the export folder, if given):
   * the host creates it under a temporary name and answers with a handle for the calls below.
   */
  exportBegin: {
    channel: 'exports:begin',
    request: z.object({ name: plainNameSchema, kind: z.enum(EXPORT_KINDS), folder: plainNameSchema.optional() }).strict(),
    response: z.object({ handle: exportHandleSchema, name: z.string() }),
  },
  /** Write base64 `data` at byte `position` (at most the bytes written so far: no holes). */
  exportWrite: {
    channel: 'exports:write',
    request: z.object({ handle: exportHandleSchema, position: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), data: base64Schema }).strict(),
    response: z.object({ size: z.number().int().nonnegative() }),
  },
  /** Flush the file to disk and give it its final name (`name (2).png` if `name` is taken). */
  exportFinish: {
    channel: 'exports:finish',
    request: z.object({ handle: exportHandleSchema }).strict(),
    response: z.object({ name: z.string(), path: z.string(), bytes: z.number().int().nonnegative() }),
  },
  /** Drop an unfinished export: its temporary file is deleted. */
  exportAbort: {
    channel: 'exports:abort',
    request: z.object({ handle: exportHandleSchema }).strict(),
    response: z.object({}),
  },
  /**
   * Import the model package folder, .zip or single .onnx at `path` (Electron: a dropped or chosen
   * file). The browser host takes the file's bytes instead: POST /api/library:import?name=<file>&job=<job>.
   * `job` lets the renderer follow ({@link contract.importProgress}) and cancel ({@link contract.abortImport}) it.
   */
  importModel: {
    channel: 'library:import',
    request: z.object({ path: hostPathSchema, job: importJobSchema.optional() }).strict(),
    response: importResultSchema,
  },
  /** The progress of the import started with `job` (null once it has ended, or before it began). */
  importProgress: {
    channel: 'library:import-progress',
    request: z.object({ job: importJobSchema }).strict(),
    response: z.object({ progress: importProgressSchema.nullable() }),
  },
  /**
   * Stop the import started with `job`: its partial copy is removed and the library is left as it
   * was. `aborted: false` when it had already ended or was already adding the model to the library.
   */
  abortImport: {
    channel: 'library:import-abort',
    request: z.object({ job: importJobSchema }).strict(),
    response: z.object({ aborted: z.boolean() }),
  },
  /** Finish a single-file import with the user's settings: the manifest is written and the model listed. */
  confirmImport: {
    channel: 'library:import-confirm',
    request: z.object({ stagingId: stagingIdSchema, settings: plainSettingsSchema }).strict(),
    response: z.object({ model: modelEntrySchema }),
  },
  /** Drop a staged single-file import the user cancelled. */
  cancelImport: {
    channel: 'library:import-cancel',
    request: z.object({ stagingId: stagingIdSchema }).strict(),
    response: z.object({}),
  },
  /**
   * Blend two StyleGAN models of one architecture (app/workshop/blend.ts) into a new model `name` in
   * the library. Runs as import `job`: the import calls follow ({@link contract.importProgress}) and
   * cancel ({@link contract.abortImport}) it, and a cancelled blend leaves the library as it was.
   */
  blendModels: {
    channel: 'library:blend',
    request: z.object({ a: modelIdSchema, b: modelIdSchema, name: modelNameSchema, weights: blendWeightsSchema, job: importJobSchema.optional() }).strict(),
    response: z.object({ model: modelEntrySchema }),
  },
  /** Give an imported model a new display name. */
  renameModel: {
    channel: 'library:rename',
    request: z.object({ id: modelIdSchema, name: modelNameSchema }).strict(),
    response: z.object({ model: modelEntrySchema }),
  },
  /** Delete an imported model (to the trash); answers where it went. */
  deleteModel: {
    channel: 'library:delete',
    request: z.object({ id: modelIdSchema }).strict(),
    response: z.object({ trashedTo: z.string() }),
  },
  /** Show an imported model's folder in the file manager (Electron only: the browser host refuses). */
  revealModel: {
    channel: 'library:reveal',
    request: z.object({ id: modelIdSchema }).strict(),
    response: z.object({}),
  },
  /**
   * Save a project. `path` is where it was opened from or last saved to (from the host's recent
   * list); null or `saveAs` lets the host choose (Electron: a save dialog; browser host: the data
   * folder's projects/ under `name`). `saved: false` when the user cancelled the dialog.
   */
  saveProject: {
    channel: 'project:save',
    request: z.object({ project: projectSchema, name: modelNameSchema, path: hostPathSchema.nullable(), saveAs: z.boolean() }).strict(),
    response: z.object({ saved: z.boolean(), path: z.string().nullable(), name: z.string() }),
  },
  /** Open a project file by path (one from the recent list, or a dropped file in Electron). */
  openProject: {
    channel: 'project:open',
    request: z.object({ path: hostPathSchema }).strict(),
    response: z.object({ project: projectSchema, path: z.string(), name: z.string() }),
  },
  /** The recently saved or opened projects, newest first. */
  recentProjects: {
    channel: 'project:recent',
    request: z.object({}).strict(),
    response: z.object({ recent: z.array(recentProjectSchema) }),
  },
  /** Keep the current state in the data folder's autosave (every 30 s while it changes). */
  autosaveProject: {
    channel: 'project:autosave',
    request: z.object({ project: projectSchema, path: hostPathSchema.nullable() }).strict(),
    response: z.object({ savedAt: z.string() }),
  },
  /** The autosave left by a session that did not end cleanly (a crash), or null. */
  recoverAutosave: {
    channel: 'project:recover',
    request: z.object({}).strict(),
    response: z.object({ autosave: z.object({ project: projectSchema, path: z.string().nullable(), savedAt: z.string() }).nullable() }),
  },
  /** Forget the autosave (the user declined to restore it). */
  discardAutosave: {
    channel: 'project:discard-autosave',
    request: z.object({}).strict(),
    response: z.object({}),
  },
  /**
   * Serve `modelId` from the native runtime (onnxruntime-node in a process of its own): the host
   * opens the model there and sends the window a MessagePort to it (Electron: the preload passes
   * it on as a window message naming `portId`), which the page hands to its inference worker. The
   * browser host has no native runtime and refuses; the studio stays on WASM.
   */
  openNative: {
    channel: 'inference:open-native',
    request: z.object({ modelId: modelIdSchema }).strict(),
    response: z.object({
      provider: z.enum(['cuda', 'dml', 'coreml', 'cpu']),
      fallbackReason: z.string().nullable(),
      portId: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
    }),
  },
  /**
   * Receive OSC on UDP `port` of 127.0.0.1 (null: stop). The host keeps the port in its settings
   * once it listens; every datagram's messages reach the page that asked (live.ts). A port that
   * cannot be bound is no failure of the call: the status says why (`error`).
   */
  oscListen: {
    channel: 'live:osc-listen',
    request: z.object({ port: oscPortSchema.nullable() }).strict(),
    response: oscStatusSchema,
  },
  /** The OSC socket's state and counters (datagrams received, malformed ones dropped). */
  oscStatus: {
    channel: 'live:osc-status',
    request: z.object({}).strict(),
    response: oscStatusSchema,
  },
  /**
   * Open the performance window: a frameless full-screen window on the studio's display showing
   * only the picture (Electron). The browser host refuses: there the page opens a pop-up itself.
   */
  openPerformWindow: {
    channel: 'live:perform-open',
    request: z.object({}).strict(),
    response: z.object({}),
  },
  /** The studio window is closing normally: its autosave needs no recovery. */
  markCleanExit: {
    channel: 'session:clean-exit',
    request: z.object({}).strict(),
    response: z.object({}),
  },
} as const;

/** Names of the host API's methods. */
export type Method = keyof typeof contract;
/** The request payload of a method. */
export type RequestOf<M extends Method> = z.input<(typeof contract)[M]['request']>;
/** The response payload of a method. */
export type ResponseOf<M extends Method> = z.output<(typeof contract)[M]['response']>;

/** The API a host offers the renderer: one async function per contract method. */
export type HostApi = { [M in Method]: (request: RequestOf<M>) => Promise<ResponseOf<M>> };

/**
 * The one non-contract call Electron's preload offers (as `window.latentStudioFiles`): the path on
 * disk of a file the user dropped or picked, so the host can import or open it in place. `F` is
 * the DOM's File (app/ has no DOM types).
 */
export interface HostFiles<F> {
  pathForFile(file: F): string;
}

/** The contract's method names, in a stable order (the preload exposes exactly these). */
export const METHODS = Object.keys(contract) as Method[];

/** Raised by a host when a request fails validation; the message says which field and why. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

/** Validate a request payload for `method`; throws {@link ContractError} naming the bad field. */
export function parseRequest<M extends Method>(method: M, payload: unknown): RequestOf<M> {
  const spec = contract[method];
  const result = spec.request.safeParse(payload ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ContractError(`${spec.channel}: ${issue?.path.join('.') || 'payload'} ${issue?.message ?? 'is invalid'}`);
  }
  return result.data as RequestOf<M>;
}
