/**
 * Who may talk to the browser host. Any page the user visits, and any other server on 127.0.0.1,
 * can send requests to a local port, so every request is checked for:
 * - a Host header naming this server at one of its loopback names (defeats DNS rebinding);
 * - no Origin, or one of this server's own origins (127.0.0.1, localhost and [::1] alike, so a page
 *   opened at any of the names works, and no other page can post to us);
 * - for the API and model files, the per-run token in the `X-Latent-Studio-Token` header (for the
 *   native WebSocket, whose headers a page cannot set, in its query). Never a
 *   cookie: browsers send cookies to every port of a host name, so a cookie would leak the token to
 *   other local servers and be overwritten by a second studio host.
 * The built renderer itself is served without the token (its scripts, worker and WASM files load
 * by plain URL and hold nothing private); the page then picks the token up from `?token=`.
 */
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { HOST_TOKEN_HEADER, NATIVE_SOCKET_ROUTE } from '../../app/contract/routes';

const wrongToken = 'Missing or wrong access token: open the address that `npm run web` printed (it ends in ?token=…).';

/** The header the token travels in (lower case, as Node reports headers). */
const TOKEN_HEADER_NAME = HOST_TOKEN_HEADER.toLowerCase();

/** A refusal: the HTTP status and the message the caller sees. */
export interface Refusal {
  status: number;
  message: string;
}

/** The `host:port` names this server answers to: 127.0.0.1, localhost, and [::1] when it listens there. */
export function loopbackHosts(port: number, ipv6: boolean): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, ...(ipv6 ? [`[::1]:${port}`] : [])];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a request path needs the token: the API and model files do, the renderer's own files do not. */
export function needsToken(pathname: string): boolean {
  return pathname.startsWith('/api/') || pathname === '/api' || pathname.startsWith('/models/');
}

/**
 * Check a request against `hosts` (from {@link loopbackHosts}) and `token`; null when it may
 * proceed. `pathname` and `queryToken` come from the request's URL.
 */
export function refuse(req: http.IncomingMessage, hosts: ReadonlySet<string>, token: string, pathname: string, queryToken: string | null): Refusal | null {
  const host = req.headers.host ?? '';
  if (!hosts.has(host)) return { status: 421, message: 'Unknown Host: this server only answers on 127.0.0.1, localhost and [::1].' };
  const origin = req.headers.origin;
  if (origin !== undefined && !(origin.startsWith('http://') && hosts.has(origin.slice('http://'.length)))) {
    return { status: 403, message: 'Foreign Origin refused: only pages of this studio host may call it.' };
  }
  const header = req.headers[TOKEN_HEADER_NAME];
  const presented = typeof header === 'string' ? header : queryToken;
  // A page cannot set headers on a WebSocket: the native socket takes the token from its query.
  if (pathname === NATIVE_SOCKET_ROUTE) return presented !== null && sameSecret(presented, token) ? null : { status: 401, message: wrongToken };
  // A token given and wrong is refused on every path, so a stale address says so at once.
  if (presented !== null && !sameSecret(presented, token)) return { status: 401, message: wrongToken };
  if (needsToken(pathname) && typeof header !== 'string') return { status: 401, message: wrongToken };
  return null;
}
