/**
 * Electron security settings and checks, kept free of a run-time electron import (types only) so
 * they are unit-tested directly, handlers included: main.ts passes the real session and web
 * contents to {@link hardenSession} and {@link hardenWebContents}.
 *
 * Electron's security checklist (docs/tutorial/security.md), item by item (docs/SECURITY.md has the
 * tests that cover each):
 *  1. Only load secure content — pages and models come from app:// (resolveAsset); the CSP allows
 *     'self' only, so nothing loads over http(s).
 *  2. No Node.js integration for remote content — nodeIntegration(InWorker|InSubFrames) false
 *     (the window's webPreferences, written out in main.ts and checked by main.test.ts).
 *  3. Context isolation — contextIsolation true; the preload exposes the contract only.
 *  4. Process sandboxing — sandbox true and app.enableSandbox().
 *  5. Permission requests — hardenSession: request, check and device handlers deny everything but
 *     Web MIDI (no sysex) for the studio's own pages, and audio input alone (recording a track) for
 *     them too; the camera, and audio with video, stay refused.
 *  6. webSecurity stays on. 7. A CSP — SECURITY_HEADERS on every app:// response, enforced on
 *     every response of the session by onHeadersReceived.
 *  8. allowRunningInsecureContent off. 9. experimentalFeatures off. 10. No enableBlinkFeatures.
 *  11. `<webview>` — webviewTag false, and will-attach-webview is vetoed.
 *  12. Navigation — will-navigate, will-frame-navigate and will-redirect stay within app://studio.
 *  13. New windows — setWindowOpenHandler denies all.
 *  14. shell.openExternal — never called.
 *  15. A current Electron — package.json pins the 45 line.
 *  16. IPC senders — every handler checks the sender frame (ipc.ts) before validating the payload.
 *  17. No file:// — the privileged app:// scheme with a traversal guard.
 *  18. Fuses — electron-builder.yml flips them (electronFuses).
 *  19. No Electron APIs for untrusted content — the preload exposes contract methods and
 *      pathForFile and the OSC listener (payloads only), nothing else.
 */
import type { Event, Session, WebContents } from 'electron';
import { SECURITY_HEADERS } from '../services/assets';

/** The privileged scheme that serves the renderer and model files instead of file://. */
export const APP_SCHEME = 'app';
/** The host part of every studio URL: app://studio/… */
export const APP_HOST = 'studio';
/** The origin of the studio's own pages. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The URL of the studio's main page. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True when `url` is a page of the studio itself (the only sender whose IPC is answered). */
export function isTrustedUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Navigation is allowed only within the studio's own pages. */
export function isAllowedNavigation(url: string): boolean {
  return isTrustedUrl(url);
}

/**
 * Permissions the studio grants, and only to its own pages: `midi` (Web MIDI for live control,
 * without system exclusive, which stays denied), and `media` when audio alone is asked for (see
 * {@link grantsPermission}). It needs no camera, notifications, location,
 * clipboard reading, USB/HID/serial devices or anything else a page can ask for; WebGPU, WebCodecs
 * and file inputs need no permission. The one exception is {@link grantsPermission}'s: audio input
 * alone, for recording a track from a microphone or line in.
 */
export const GRANTED_PERMISSIONS: readonly string[] = ['midi'];

/** What Electron says about a media request (mediaTypes) or check (mediaType). */
export interface PermissionDetails {
  mediaTypes?: readonly string[];
  mediaType?: string;
}

/**
 * Whether to grant `permission` (asked or checked) to a page at `requester` (a URL or origin): only
 * a studio page, and only what {@link GRANTED_PERMISSIONS} lists, or `media` when only audio is
 * asked for (a request for the camera, or for both, is refused).
 */
export function grantsPermission(permission: string, requester?: string | null, details: PermissionDetails = {}): boolean {
  if (!isTrustedUrl(requester)) return false;
  if (permission === 'media') {
    const types = details.mediaTypes ?? (details.mediaType ? [details.mediaType] : []);
    return types.length > 0 && types.every((t) => t === 'audio');
  }
  return GRANTED_PERMISSIONS.includes(permission);
}

/**
 * The response headers every page of the session gets: ours replace whatever a response brought
 * (CSP, cross-origin isolation, nosniff), so no response can loosen the policy.
 */
export function enforceSecurityHeaders(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const ours = new Set(Object.keys(SECURITY_HEADERS).map((k) => k.toLowerCase()));
  const kept = Object.entries(headers ?? {}).filter(([name]) => !ours.has(name.toLowerCase()));
  return { ...Object.fromEntries(kept), ...Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([k, v]) => [k, [v]])) };
}

/** The session calls {@link hardenSession} makes. */
export type HardenableSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'> & {
  webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
};

/** Deny every permission request and check but Web MIDI and audio input for studio pages, and every device, and put the CSP on every response. */
export function hardenSession(session: HardenableSession): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(grantsPermission(permission, details?.requestingUrl, details as PermissionDetails)));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) => grantsPermission(permission, requestingOrigin, details as PermissionDetails));
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: enforceSecurityHeaders(details.responseHeaders) }));
}

/** A navigation about to happen (Electron's details object: the target URL, and the veto). */
export interface NavigationEvent {
  readonly url: string;
  preventDefault(): void;
}

/** The web-contents calls {@link hardenWebContents} makes. */
export interface HardenableContents {
  on(event: 'will-navigate', listener: (details: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (details: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (details: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Pick<Event, 'preventDefault'>) => void): unknown;
  setWindowOpenHandler: WebContents['setWindowOpenHandler'];
}

/**
 * Navigation only within the studio (top frame, frames and redirects), no `<webview>`, and no new
 * windows. Nothing is ever handed to shell.openExternal: the studio has no links to follow, and
 * opening whatever URL a page asks for is how a compromised page reaches the user's machine.
 */
export function hardenWebContents(contents: HardenableContents): void {
  const guard = (details: NavigationEvent) => {
    if (!isAllowedNavigation(details.url)) details.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-frame-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
