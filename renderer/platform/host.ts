/**
 * The renderer's view of its host: Electron's preload bridge when present, else the browser host's
 * HTTP API on the same origin (authenticated by the token header, host-token.ts). Either way the
 * type is the contract's {@link HostApi}.
 */
import { hostAuthHeaders } from './host-token';
import { METHODS, contract, type HostApi, type HostFiles, type ImportResult, type Method } from '../../app/contract/channels';
import { apiPath, uploadUrl } from '../../app/contract/routes';

declare global {
  interface Window {
    latentStudio?: HostApi;
    latentStudioFiles?: HostFiles<File>;
  }
}

/** The body of a host answer, or an Error carrying the host's message. */
async function answer(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: the plain-text message is the error
    }
    throw new Error(message || `the studio host answered HTTP ${response.status}`);
  }
  return JSON.parse(text);
}

function httpHost(): HostApi {
  const call = async (method: Method, request: unknown): Promise<unknown> => {
    const response = await fetch(apiPath(method), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...hostAuthHeaders() },
      body: JSON.stringify(request),
      // The clean-exit note is sent as the page goes away; only a keepalive request outlives it.
      keepalive: method === 'markCleanExit',
    });
    return answer(response);
  };
  return Object.fromEntries(METHODS.map((m) => [m, (request: unknown) => call(m, request)])) as unknown as HostApi;
}

let host: HostApi | null = null;

/** The host API (created once). */
export function getHost(): HostApi {
  host ??= window.latentStudio ?? httpHost();
  return host;
}

/**
 * Import a model file the user dropped or picked, as import job `job` (its progress and cancel go
 * through the host API by that id). Electron imports it in place, by the path its preload reports;
 * the browser host cannot be given paths, so it receives the file's bytes, an upload that `signal`
 * stops when the user cancels.
 */
export async function importModelFile(file: File, job: string, signal: AbortSignal): Promise<ImportResult> {
  const files = window.latentStudioFiles;
  if (window.latentStudio && files) return getHost().importModel({ path: files.pathForFile(file), job });
  const response = await fetch(uploadUrl(file.name, job), {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', ...hostAuthHeaders() },
    body: file,
    signal,
  });
  return contract.importModel.response.parse(await answer(response));
}

/** The path of a file the user dropped or picked, where the host can use one (Electron); null in the browser. */
export function pathOfFile(file: File): string | null {
  return window.latentStudioFiles?.pathForFile(file) || null;
}
