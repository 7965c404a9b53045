/**
 * The renderer's view of its host: Electron's preload bridge when present, else the browser host's
 * HTTP API on the same origin (authenticated by the token header, host-token.ts). Either way the
 * type is the contract's {@link HostApi}.
 */
import { hostAuthHeaders } from './host-token';
import { METHODS, contract, type HostApi, type HostFiles, type ImportResult, type Method } from '../../app/contract/channels';
import { apiPath, OSC_EVENTS_ROUTE, uploadUrl } from '../../app/contract/routes';
import { oscDeliverySchema, type HostEvents, type OscDelivery } from '../../app/contract/live';

declare global {
  interface Window {
    latentStudio?: HostApi;
    latentStudioFiles?: HostFiles<File>;
    latentStudioEvents?: HostEvents;
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

/** How long to wait before opening the browser host's OSC stream again after it broke. */
const OSC_RETRY_MS = 1000;

/**
 * Be given the OSC messages the host receives (after `oscListen`): `stop` ends it, `ready`
 * resolves once messages can arrive. Electron pushes them through the preload; the browser host
 * streams them on one held-open response (read with fetch, which sends the token header), reopened
 * if it breaks — `onProblem` hears why each time.
 */
export function onOscMessages(listener: (delivery: OscDelivery) => void, onProblem: (message: string) => void): { stop: () => void; ready: Promise<void> } {
  if (window.latentStudioEvents) return { stop: window.latentStudioEvents.onOsc(listener), ready: Promise.resolve() };
  const controller = new AbortController();
  let connected: () => void = () => {};
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const readStream = async () => {
    const response = await fetch(OSC_EVENTS_ROUTE, { headers: hostAuthHeaders(), signal: controller.signal, cache: 'no-store' });
    if (!response.ok || !response.body) throw new Error(`the OSC stream answered HTTP ${response.status}`);
    // The host subscribes this response before it sends the headers: from here nothing is missed.
    connected();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the OSC stream ended');
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (event.startsWith('data: ')) listener(oscDeliverySchema.parse(JSON.parse(event.slice('data: '.length))));
      }
    }
  };
  void (async () => {
    while (!controller.signal.aborted) {
      try {
        await readStream();
      } catch (error) {
        if (controller.signal.aborted) return;
        onProblem((error as Error).message);
        await new Promise((resolve) => setTimeout(resolve, OSC_RETRY_MS));
      }
    }
  })();
  return { stop: () => controller.abort(), ready };
}
