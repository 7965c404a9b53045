/**
 * Electron's security checklist, one test per item that can be checked without launching Electron:
 * the session's permission and header handlers, the web contents' navigation, webview and window
 * handlers (called as Electron would call them), the CSP, and the fuses. The window's web
 * preferences and how main.ts wires all this up are tested in main.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../services/assets';
import {
  APP_ENTRY_URL,
  enforceSecurityHeaders,
  GRANTED_PERMISSIONS,
  grantsPermission,
  hardenSession,
  hardenWebContents,
  isAllowedNavigation,
  isTrustedUrl,
  type HardenableContents,
  type HardenableSession,
} from './security';

const ROOT = path.resolve(__dirname, '../..');

describe('trusted origin', () => {
  it('trusts only the studio origin as an IPC sender or navigation target', () => {
    expect(isTrustedUrl(APP_ENTRY_URL)).toBe(true);
    expect(isTrustedUrl('app://studio/assets/x.js')).toBe(true);
    for (const url of ['app://evil/index.html', 'file:///etc/passwd', 'https://studio/', 'http://127.0.0.1/', 'not a url', '', null, undefined]) {
      expect(isTrustedUrl(url)).toBe(false);
    }
    expect(isAllowedNavigation('https://example.com')).toBe(false);
  });
});

/** A fake session that records the handlers hardenSession installs, so the test can call them. */
function fakeSession() {
  const handlers: Record<string, (...args: any[]) => unknown> = {};
  const session = {
    setPermissionRequestHandler: (h: any) => (handlers.request = h),
    setPermissionCheckHandler: (h: any) => (handlers.check = h),
    setDevicePermissionHandler: (h: any) => (handlers.device = h),
    webRequest: { onHeadersReceived: (h: any) => (handlers.headers = h) },
  } as unknown as HardenableSession;
  hardenSession(session);
  return handlers;
}

describe('session hardening (items 5 and 7)', () => {
  const permissions = ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'serial', 'usb', 'fileSystem', 'display-capture'];

  it('grants Web MIDI (without sysex) to studio pages only', () => {
    const handlers = fakeSession();
    expect(GRANTED_PERMISSIONS).toEqual(['midi']);
    const granted = vi.fn();
    handlers.request!({}, 'midi', granted, { requestingUrl: 'app://studio/index.html' });
    expect(granted).toHaveBeenCalledWith(true);
    const foreign = vi.fn();
    handlers.request!({}, 'midi', foreign, { requestingUrl: 'https://evil.example/' });
    expect(foreign).toHaveBeenCalledWith(false);
    expect(handlers.check!({}, 'midi', 'app://studio', {})).toBe(true);
    expect(handlers.check!({}, 'midi', 'https://evil.example', {})).toBe(false);
    const sysex = vi.fn();
    handlers.request!({}, 'midiSysex', sysex, { requestingUrl: 'app://studio/index.html' });
    expect(sysex).toHaveBeenCalledWith(false);
  });

  it('denies every other permission request and check, and every device', () => {
    const handlers = fakeSession();
    for (const permission of permissions) {
      const callback = vi.fn();
      handlers.request!({}, permission, callback, { requestingUrl: 'app://studio/index.html' });
      expect(callback).toHaveBeenCalledWith(false);
      expect(handlers.check!({}, permission, 'app://studio', {})).toBe(false);
      expect(grantsPermission(permission, 'app://studio')).toBe(false);
    }
    expect(handlers.device!({ deviceType: 'usb', origin: 'app://studio' })).toBe(false);
  });

  it('grants media only when audio alone is asked for (recording a track), never the camera', () => {
    const handlers = fakeSession();
    for (const [mediaTypes, granted] of [
      [['audio'], true],
      [['video'], false],
      [['audio', 'video'], false],
      [[], false],
    ] as const) {
      const callback = vi.fn();
      handlers.request!({}, 'media', callback, { mediaTypes, requestingUrl: 'app://studio/index.html' });
      expect(callback, mediaTypes.join('+')).toHaveBeenCalledWith(granted);
    }
    const foreign = vi.fn();
    handlers.request!({}, 'media', foreign, { mediaTypes: ['audio'], requestingUrl: 'https://evil.example/' });
    expect(foreign).toHaveBeenCalledWith(false);
    expect(handlers.check!({}, 'media', 'https://evil.example', { mediaType: 'audio' })).toBe(false);
    expect(handlers.check!({}, 'media', 'app://studio', { mediaType: 'audio' })).toBe(true);
    expect(handlers.check!({}, 'media', 'app://studio', { mediaType: 'video' })).toBe(false);
    expect(handlers.check!({}, 'geolocation', 'app://studio', { mediaType: 'audio' })).toBe(false);
  });

  it('puts the studio CSP and isolation headers on every response, replacing any a response brought', () => {
    const handlers = fakeSession();
    const callback = vi.fn();
    handlers.headers!(
      { url: 'https://evil.example/', responseHeaders: { 'content-security-policy': ["default-src *; script-src 'unsafe-eval'"], 'X-Other': ['kept'] } },
      callback,
    );
    const headers = callback.mock.calls[0]![0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Cross-Origin-Opener-Policy']).toEqual(['same-origin']);
    expect(headers['X-Other']).toEqual(['kept']);
    expect(enforceSecurityHeaders(undefined)['X-Content-Type-Options']).toEqual(['nosniff']);
  });

  it('has a CSP that allows only the studio itself: no remote scripts, no eval, no plugins, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-eval'|'unsafe-inline'|https?:|\*/);
  });
});

/** A fake web contents recording the listeners hardenWebContents adds. */
function fakeContents() {
  const listeners: Record<string, (...args: any[]) => void> = {};
  let openHandler: ((details: { url: string }) => { action: string }) | null = null;
  const contents = {
    on: (event: string, listener: (...args: any[]) => void) => (listeners[event] = listener),
    setWindowOpenHandler: (h: any) => (openHandler = h),
  } as unknown as HardenableContents;
  hardenWebContents(contents);
  return { listeners, open: (url: string) => openHandler!({ url }) };
}

function navigation(url: string) {
  return { url, preventDefault: vi.fn() };
}

describe('web contents hardening (items 11, 12, 13, 14)', () => {
  it('vetoes navigation, frame navigation and redirects that leave the studio', () => {
    const { listeners } = fakeContents();
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/index.html', 'javascript:alert(1)']) {
        const details = navigation(url);
        listeners[event]!(details);
        expect(details.preventDefault, `${event} ${url}`).toHaveBeenCalled();
      }
      const inside = navigation('app://studio/index.html?model=x');
      listeners[event]!(inside);
      expect(inside.preventDefault).not.toHaveBeenCalled();
    }
  });

  it('refuses every <webview>', () => {
    const { listeners } = fakeContents();
    const event = { preventDefault: vi.fn() };
    listeners['will-attach-webview']!(event, { nodeIntegration: false }, { src: 'app://studio/' });
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('opens no window and hands no URL to the system, whatever a page asks', () => {
    const { open } = fakeContents();
    for (const url of ['https://example.com', 'app://studio/index.html', 'file:///etc/passwd', 'smb://host/share']) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    const main = readFileSync(path.join(__dirname, 'main.ts'), 'utf8');
    expect(main).not.toMatch(/openExternal/);
  });
});

describe('packaging: fuses (item 18)', () => {
  it('turns off running as Node, NODE_OPTIONS, the inspector and file:// privileges, and checks the asar', () => {
    const yml = readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');
    const block = yml.slice(yml.indexOf('electronFuses:'));
    const fuse = (name: string) => new RegExp(`\\n\\s+${name}:\\s*(true|false)`).exec(block)?.[1];
    expect(fuse('runAsNode')).toBe('false');
    expect(fuse('enableNodeOptionsEnvironmentVariable')).toBe('false');
    expect(fuse('enableNodeCliInspectArguments')).toBe('false');
    expect(fuse('grantFileProtocolExtraPrivileges')).toBe('false');
    expect(fuse('enableCookieEncryption')).toBe('true');
    expect(fuse('enableEmbeddedAsarIntegrityValidation')).toBe('true');
    expect(fuse('onlyLoadAppFromAsar')).toBe('true');
  });
});
