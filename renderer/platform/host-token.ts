/**
 * The browser host's access token, held by the page and sent as a request header, never as a
 * cookie: browsers share cookies across every port of 127.0.0.1, so a cookie would be overwritten
 * by a second host and sent to any other local server the browser visits. The page takes the token
 * from the `?token=` of the address the host printed, keeps it in sessionStorage (which is per
 * origin, so per port, and survives a reload) and drops it from the address bar.
 */

import { HOST_TOKEN_HEADER } from '../../app/contract/routes';

const STORAGE_KEY = 'latent-studio-token';

let token: string | null | undefined;

function capture(): string | null {
  // Electron's app:// pages carry no ?token= and keep none: they send no header, and need none.
  if (typeof window === 'undefined') return null;
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    window.sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return window.sessionStorage.getItem(STORAGE_KEY);
}

/**
 * Headers that authenticate a request to the browser host (empty in Electron, or when the page was
 * opened without the printed address: the host then answers 401 with what to do).
 */
export function hostAuthHeaders(): Record<string, string> {
  if (token === undefined) token = capture();
  return token ? { [HOST_TOKEN_HEADER]: token } : {};
}
