/**
 * Electron security settings and checks, kept free of the electron import so they are unit-tested
 * directly. See Electron's security checklist (docs/tutorial/security.md).
 */

/** The privileged scheme that serves the renderer and model files instead of file://. */
export const APP_SCHEME = 'app';
/** The host part of every studio URL: app://studio/… */
export const APP_HOST = 'studio';
/** The origin of the studio's own pages. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The URL of the studio's main page. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Web preferences of every studio window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

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
