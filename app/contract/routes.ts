/**
 * The URLs of the contract: the browser host's JSON calls (one POST per method of channels.ts),
 * the upload that carries a model file's bytes there (a browser page cannot hand a host a path),
 * and the model-file route both hosts serve packages under (Electron on app://, the browser host
 * over HTTP). The page that asks and the host that answers build and read them with these
 * functions only, so neither can drift from the other.
 */
import { contract, METHODS, type Method } from './channels';

/**
 * The request header that carries the browser host's per-run access token. A header held by the
 * page, never a cookie: browsers share cookies across every port of 127.0.0.1 (see
 * main/web/access.ts and renderer/platform/host-token.ts).
 */
export const HOST_TOKEN_HEADER = 'X-Latent-Studio-Token';

/** Where the browser host answers the contract's methods. */
export const API_PREFIX = '/api/';

/** The path of `method`'s call on the browser host. */
export function apiPath(method: Method): string {
  return API_PREFIX + encodeURIComponent(contract[method].channel);
}

/**
 * The method a browser-host request path names, or undefined for an unknown channel. The path must
 * start with {@link API_PREFIX}; a malformed escape throws URIError (the host answers it as a fault).
 */
export function methodForApiPath(pathname: string): Method | undefined {
  const channel = decodeURIComponent(pathname.slice(API_PREFIX.length));
  return METHODS.find((m) => contract[m].channel === channel);
}

/** The route that takes a model file's bytes: `?name=` gives its file name, `?job=` the import job id. */
export const UPLOAD_ROUTE = `${API_PREFIX}${contract.importModel.channel}`;

/** The URL to POST a model file named `fileName` to, as import job `job`. */
export function uploadUrl(fileName: string, job: string): string {
  return `${UPLOAD_ROUTE}?name=${encodeURIComponent(fileName)}&job=${encodeURIComponent(job)}`;
}

/** The parts of a parsed URL the routes read (a WHATWG URL; app/ knows no DOM or Node types). */
export interface ParsedUrl {
  pathname: string;
  searchParams: { has(name: string): boolean; get(name: string): string | null };
}

/** The file name and job of an upload request, or null when `url` is not one (then it is a JSON call or a file). */
export function readUploadUrl(url: ParsedUrl): { name: string; job: string | null } | null {
  if (url.pathname !== UPLOAD_ROUTE || !url.searchParams.has('name')) return null;
  return { name: url.searchParams.get('name') ?? '', job: url.searchParams.get('job') };
}

/**
 * The browser host's WebSocket to a native inference process holding one model (native-wire.ts
 * frames). A page cannot set headers on a WebSocket, so the token travels in the query here, and
 * the host insists on the page's Origin (main/web/access.ts).
 */
export const NATIVE_SOCKET_ROUTE = `${API_PREFIX}native-socket`;

/** The WebSocket URL, on the page's `origin` (http://…), of a native process serving `modelId`. */
export function nativeSocketUrl(origin: string, modelId: string, token: string): string {
  return `${origin.replace(/^http/, 'ws')}${NATIVE_SOCKET_ROUTE}?model=${encodeURIComponent(modelId)}&token=${encodeURIComponent(token)}`;
}

/** The first path segment of every model file's URL. */
export const MODEL_FILES_SEGMENT = 'models';

/** The URL prefix a model's files are served under (a `ModelEntry`'s `baseUrl`). */
export function modelBaseUrl(modelId: string): string {
  return `/${MODEL_FILES_SEGMENT}/${encodeURIComponent(modelId)}/`;
}

/** The URL of `file` of the package served at `baseUrl`. */
export function modelFileUrl(baseUrl: string, file: string): string {
  return baseUrl + encodeURIComponent(file);
}

/**
 * The model file that decoded path segments name (`['models', id, file]`), 'malformed' for a path
 * under the model route that names no single file, or null for a path outside it.
 */
export function modelFileOfSegments(segments: readonly string[]): { modelId: string; file: string } | 'malformed' | null {
  if (segments[0] !== MODEL_FILES_SEGMENT) return null;
  if (segments.length !== 3) return 'malformed';
  return { modelId: segments[1]!, file: segments[2]! };
}

/**
 * The browser host's stream of OSC deliveries (app/contract/live.ts): a GET answered with
 * `text/event-stream`, one `data:` line of JSON per datagram, held open while the page listens.
 * Under {@link API_PREFIX}, so the token header and Origin checks apply as to every call (the page
 * reads it with fetch, which can send the header; EventSource cannot).
 */
export const OSC_EVENTS_ROUTE = `${API_PREFIX}live:osc-events`;
