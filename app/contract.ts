/**
 * The one typed API between the renderer and whichever host runs it (Electron IPC through the
 * preload, or HTTP in the browser host). Both sides import this file: hosts validate every request
 * against `request` at run time, and the renderer's API type is derived from it, never copied.
 */
import { z } from 'zod';
import { manifestSchema } from './model/manifest';

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

/** Every method of the host API: its IPC channel / HTTP route name and its payload schemas. */
export const contract = {
  appInfo: {
    channel: 'app:info',
    request: z.object({}).strict(),
    response: z.object({
      name: z.string(),
      version: z.string(),
      host: z.enum(['electron', 'web']),
    }),
  },
  listModels: {
    channel: 'library:list',
    request: z.object({}).strict(),
    response: z.object({ models: z.array(modelEntrySchema), defaultModelId: z.string().nullable() }),
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

/** Look up a method by its channel name (used by hosts to route IPC / HTTP calls). */
export function methodForChannel(channel: string): Method | undefined {
  return METHODS.find((m) => contract[m].channel === channel);
}
