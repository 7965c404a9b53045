/**
 * The Electron main process as it starts, against a recording stand-in for the electron module
 * (Electron itself cannot launch on every machine that runs the tests): the window's web
 * preferences exactly as created, and that the session, every web contents, the app:// protocol
 * and IPC are hardened by the code in security.ts and ipc.ts. Checklist items as in docs/SECURITY.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METHODS, contract } from '../../app/contract/channels';
import { IpcSenderError } from './ipc';
import { OSC_EVENT_CHANNEL } from '../../app/contract/live';
import { freeUdpPort, oscMessage, oscSender } from '../../test-support/osc-sender';

type Listener = (...args: any[]) => any;

const electron = vi.hoisted(() => {
  const windows: { options: any; loadURL: (url: string) => Promise<void> }[] = [];
  class BrowserWindow {
    readonly loadURL = vi.fn(async () => {});
    readonly once = vi.fn();
    constructor(readonly options: any) {
      windows.push(this);
    }
    static getAllWindows = () => windows;
    static getFocusedWindow = () => null;
  }
  const appEvents = new Map<string, (...args: any[]) => any>();
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const handlers: Record<string, (...args: any[]) => any> = {};
  return {
    windows,
    appEvents,
    markReady: () => markReady(),
    handlers,
    module: {
      BrowserWindow,
      app: {
        isPackaged: false,
        getVersion: () => '0.0.0-test',
        getPath: () => os.tmpdir(),
        enableSandbox: vi.fn(),
        on: vi.fn((event: string, listener: (...args: any[]) => any) => appEvents.set(event, listener)),
        whenReady: () => ready,
        quit: vi.fn(),
      },
      protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn((_scheme: string, h: (...args: any[]) => any) => (handlers.protocol = h)) },
      session: {
        defaultSession: {
          setPermissionRequestHandler: vi.fn((h: (...args: any[]) => any) => (handlers.permissionRequest = h)),
          setPermissionCheckHandler: vi.fn((h: (...args: any[]) => any) => (handlers.permissionCheck = h)),
          setDevicePermissionHandler: vi.fn((h: (...args: any[]) => any) => (handlers.device = h)),
          webRequest: { onHeadersReceived: vi.fn((h: (...args: any[]) => any) => (handlers.headers = h)) },
        },
      },
      ipcMain: { handle: vi.fn((channel: string, h: (...args: any[]) => any) => (handlers[`ipc:${channel}`] = h)) },
      shell: { trashItem: vi.fn(), showItemInFolder: vi.fn() },
      dialog: { showSaveDialog: vi.fn() },
    },
  };
});

vi.mock('electron', () => electron.module);

let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'latent-main-'));
  vi.stubEnv('LATENT_STUDIO_DATA_DIR', dataDir);
  vi.stubEnv('LATENT_STUDIO_MODELS_DIR', path.join(dataDir, 'bundled'));
  await import('./main');
  // Checklist item 4 asks for the sandbox before the app is ready; record that, then let it start.
  expect(electron.module.app.enableSandbox).toHaveBeenCalled();
  electron.markReady();
  await vi.waitFor(() => expect(electron.windows[0]?.loadURL).toHaveBeenCalled());
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the studio window', () => {
  it('is isolated and sandboxed, with no Node in the page or its workers and frames (items 2, 3, 4, 6, 8, 9, 10, 11)', () => {
    expect(electron.windows).toHaveLength(1);
    expect(electron.windows[0]!.options.webPreferences).toEqual({
      preload: path.join(__dirname, 'preload.cjs'),
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
    });
  });

  it('loads the studio from app://studio, never file:// (items 1, 17)', () => {
    expect(electron.windows[0]!.loadURL).toHaveBeenCalledExactlyOnceWith('app://studio/index.html');
    expect(electron.module.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
  });
});

describe('what main.ts hardens', () => {
  it('denies every permission request and check, and every device, on the default session (item 5)', () => {
    const callback = vi.fn();
    electron.handlers.permissionRequest!({}, 'media', callback, {});
    expect(callback).toHaveBeenCalledWith(false);
    expect(electron.handlers.permissionCheck!({}, 'notifications', 'app://studio', {})).toBe(false);
    expect(electron.handlers.device!({ deviceType: 'hid', origin: 'app://studio' })).toBe(false);
  });

  it('puts the studio CSP on every response of the session (item 7)', () => {
    const callback = vi.fn();
    electron.handlers.headers!({ url: 'https://example.com/', responseHeaders: { 'Content-Security-Policy': ['default-src *'] } }, callback);
    const headers = callback.mock.calls[0]![0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']![0]).toMatch(/^default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/);
  });

  it('hardens every web contents as it is created: navigation, new windows, webviews (items 11, 12, 13)', () => {
    const listeners: Record<string, Listener> = {};
    let openHandler: Listener | null = null;
    const contents = { on: (event: string, listener: Listener) => (listeners[event] = listener), setWindowOpenHandler: (h: Listener) => (openHandler = h) };
    electron.appEvents.get('web-contents-created')!({}, contents);
    const away = { url: 'https://evil.example/', preventDefault: vi.fn() };
    listeners['will-navigate']!(away);
    expect(away.preventDefault).toHaveBeenCalled();
    expect(openHandler!({ url: 'app://studio/index.html' })).toEqual({ action: 'deny' });
    const webview = { preventDefault: vi.fn() };
    listeners['will-attach-webview']!(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('serves app:// only for the studio host and refuses paths that climb out, encoded or not (item 17)', async () => {
    const serve = electron.handlers.protocol! as (request: Request) => Promise<Response>;
    expect((await serve(new Request('app://elsewhere/index.html'))).status).toBe(404);
    for (const sneaky of ['/models/..%2f..%2fpackage.json', '/models/%2e%2e/%2e%2e/package.json', '/..%5c..%5cpackage.json']) {
      const response = await serve(new Request(`app://studio${sneaky}`));
      expect([403, 404], sneaky).toContain(response.status);
      expect(await response.text(), sneaky).not.toContain('"name"');
    }
  });

  it('answers IPC on exactly the contract channels, and refuses senders that are not studio pages (item 16)', async () => {
    const channels = electron.module.ipcMain.handle.mock.calls.map(([channel]) => channel);
    expect(channels.sort()).toEqual(METHODS.map((m) => contract[m].channel).sort());
    const handler = electron.handlers[`ipc:${contract.appInfo.channel}`]!;
    await expect(handler({ senderFrame: { url: 'https://evil.example/' } }, {})).rejects.toBeInstanceOf(IpcSenderError);
    await expect(handler({ senderFrame: { url: 'app://studio/index.html' } }, {})).resolves.toMatchObject({ host: 'electron', capabilities: { filePaths: true, revealFiles: true, nativeInference: true } });
  });

  it('sends each OSC datagram to the window that asked for OSC, and stops when it asks to stop', async () => {
    const port = await freeUdpPort();
    const sent: Array<[string, unknown]> = [];
    const sender = { isDestroyed: () => false, once: vi.fn(), send: (channel: string, payload: unknown) => sent.push([channel, payload]) };
    const listen = electron.handlers[`ipc:${contract.oscListen.channel}`]!;
    const frame = { url: 'app://studio/index.html' };
    await expect(listen({ senderFrame: frame, sender }, { port })).resolves.toMatchObject({ port, listening: true });
    const udp = oscSender(port);
    try {
      await udp.send(oscMessage('/latent/psi', 0.5));
      await vi.waitFor(() => expect(sent).toEqual([[OSC_EVENT_CHANNEL, { messages: [{ address: '/latent/psi', args: [{ type: 'f', value: 0.5 }] }] }]]));
    } finally {
      udp.close();
    }
    await expect(listen({ senderFrame: frame, sender }, { port: null })).resolves.toMatchObject({ listening: false });
  });
});
