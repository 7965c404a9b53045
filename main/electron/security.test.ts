import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, isAllowedNavigation, isTrustedUrl, secureWebPreferences } from './security';

describe('Electron security settings', () => {
  it('isolates and sandboxes every window, with no Node in the page', () => {
    const prefs = secureWebPreferences('/p/preload.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('trusts only the studio origin as an IPC sender or navigation target', () => {
    expect(isTrustedUrl(APP_ENTRY_URL)).toBe(true);
    expect(isTrustedUrl('app://studio/assets/x.js')).toBe(true);
    for (const url of ['app://evil/index.html', 'file:///etc/passwd', 'https://studio/', 'http://127.0.0.1/', 'not a url', '', null, undefined]) {
      expect(isTrustedUrl(url)).toBe(false);
    }
    expect(isAllowedNavigation('https://example.com')).toBe(false);
  });
});
