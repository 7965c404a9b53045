/**
 * Electron main process: one sandboxed window on the app:// protocol, IPC wired to the shared
 * services through the contract, every handler checking its sender and validating its payload.
 */
import { app, BrowserWindow, ipcMain, protocol, session, shell, type IpcMainInvokeEvent } from 'electron';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { METHODS, contract } from '../../app/contract';
import { ModelLibrary } from '../services/library';
import { createApi, dispatch } from '../services/api';
import { SECURITY_HEADERS, resolveAsset } from '../services/assets';
import { APP_ENTRY_URL, APP_HOST, APP_SCHEME, isAllowedNavigation, isTrustedUrl, secureWebPreferences } from './security';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);

// Packaged: resources/app.asar/dist/electron/main.cjs, models in resources/models (extraResources).
const appRoot = path.resolve(__dirname, '..', '..');
const rendererDir = path.join(appRoot, 'dist', 'renderer');
const modelsDir =
  process.env.LATENT_STUDIO_MODELS_DIR ?? (app.isPackaged ? path.join(process.resourcesPath, 'models') : path.join(appRoot, 'models'));

const library = new ModelLibrary({ bundledDir: modelsDir, includeFixtures: process.env.LATENT_STUDIO_INCLUDE_FIXTURES === '1' });
const api = createApi(library, { name: 'Latent Studio', version: app.getVersion(), host: 'electron' });

function respond(status: number, body: string): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

async function serveAppRequest(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== APP_HOST) return respond(404, 'Not found.');
  const resolved = resolveAsset(url.pathname, rendererDir, library);
  if (resolved.kind === 'forbidden') return respond(403, `Forbidden: ${resolved.reason}.`);
  if (resolved.kind === 'not-found') return respond(404, 'Not found.');
  try {
    const stat = await fs.stat(resolved.path);
    if (!stat.isFile()) return respond(404, 'Not found.');
    const body = Readable.toWeb(createReadStream(resolved.path)) as ReadableStream;
    return new Response(body, {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'Content-Type': resolved.mime, 'Content-Length': String(stat.size) },
    });
  } catch {
    return respond(404, 'Not found.');
  }
}

function checkSender(event: IpcMainInvokeEvent): void {
  if (!isTrustedUrl(event.senderFrame?.url)) {
    throw new Error(`IPC refused: sender ${event.senderFrame?.url ?? '(unknown)'} is not a studio page.`);
  }
}

function wireIpc(): void {
  for (const method of METHODS) {
    ipcMain.handle(contract[method].channel, (event, payload: unknown) => {
      checkSender(event);
      return dispatch(api, method, payload);
    });
  }
}

function hardenContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser, never inside the studio.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

async function createWindow(): Promise<void> {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: '#16171a',
    title: 'Latent Studio',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, 'preload.cjs')),
  });
  window.once('ready-to-show', () => window.show());
  await window.loadURL(APP_ENTRY_URL);
}

app.enableSandbox();
hardenContents();
void app.whenReady().then(async () => {
  // The studio asks for no permission (camera, notifications, …): deny them all.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  protocol.handle(APP_SCHEME, serveAppRequest);
  await library.scan();
  wireIpc();
  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
