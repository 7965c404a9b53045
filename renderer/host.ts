/**
 * The renderer's view of its host: Electron's preload bridge when present, else the browser host's
 * HTTP API on the same origin (authenticated by the cookie the host set). Either way the type is
 * the contract's {@link HostApi}.
 */
import { METHODS, contract, type HostApi, type Method } from '../app/contract';

declare global {
  interface Window {
    latentStudio?: HostApi;
  }
}

function httpHost(): HostApi {
  const call = async (method: Method, request: unknown): Promise<unknown> => {
    const response = await fetch(`/api/${encodeURIComponent(contract[method].channel)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
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
  };
  return Object.fromEntries(METHODS.map((m) => [m, (request: unknown) => call(m, request)])) as unknown as HostApi;
}

let host: HostApi | null = null;

/** The host API (created once). */
export function getHost(): HostApi {
  host ??= window.latentStudio ?? httpHost();
  return host;
}
