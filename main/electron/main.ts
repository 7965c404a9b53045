/**
 * Electron main process: one sandboxed window on the app:// protocol, IPC wired to the shared
 * services through the contract, every handler checking its sender and validating its payload.
 * Security settings live in security.ts (tested there, with Electron's checklist mapped item by item).
 */
import { app, BrowserWindow, dialog, ipcMain, MessageChannelMain, protocol, screen, session, shell, type MessagePortMain, type WebContents } from 'electron';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ModelLibrary } from '../services/library';
import { createApi } from '../services/api';
import { SECURITY_HEADERS, resolveAsset } from '../services/assets';
import { DirectionStore, userDataDir } from '../services/directions';
import { UserData } from '../services/user-data';
import { OscReceiver } from '../services/osc';
import { OSC_EVENT_CHANNEL } from '../../app/contract/live';
import { PROJECT_EXTENSION } from '../../app/project/schema';
import type { ModelEntry } from '../../app/contract/channels';
import { NATIVE_HOST_ENTRY } from '../inference/native/client';
import { wireIpc } from './ipc';
import { NativeServing, utilityChannel } from './native-inference';
import { PerformWindow } from './perform-window';
import { APP_ENTRY_URL, APP_HOST, APP_SCHEME, hardenSession, hardenWebContents } from './security';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);

// Packaged: resources/app.asar/dist/electron/main.cjs, models in resources/models (extraResources).
const appRoot = path.resolve(__dirname, '..', '..');
const rendererDir = path.join(appRoot, 'dist', 'renderer');
const modelsDir =
  process.env.LATENT_STUDIO_MODELS_DIR ?? (app.isPackaged ? path.join(process.resourcesPath, 'models') : path.join(appRoot, 'models'));

// The same folder the browser host uses, so both see one library and one set of projects.
const dataDir = userDataDir();
const library = new ModelLibrary({
  bundledDir: modelsDir,
  includeFixtures: process.env.LATENT_STUDIO_INCLUDE_FIXTURES === '1',
  dataDir,
  trash: async (dir) => {
    await shell.trashItem(dir);
    return 'the system trash';
  },
});
const userData = new UserData(library, dataDir, {
  // Paths come from files the user dropped or picked (preload: webUtils.getPathForFile).
  acceptPaths: true,
  reveal: (file) => shell.showItemInFolder(file),
  chooseSavePath: async (suggestedName) => {
    const window = BrowserWindow.getFocusedWindow();
    const options = {
      title: 'Save project',
      defaultPath: path.join(app.getPath('documents'), suggestedName),
      filters: [{ name: 'Latent Studio project', extensions: [PROJECT_EXTENSION.slice(1)] }],
    };
    const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? null : result.filePath;
  },
});
const osc = new OscReceiver({ dataDir });
const api = createApi(library, { name: 'Latent Studio', version: app.getVersion(), host: 'electron' }, new DirectionStore(dataDir), undefined, userData, osc);

// OSC goes to the windows that asked for it, through the preload's bridge (one IPC message per
// datagram, no polling): see docs/OSC.md.
const oscWindows = new Set<WebContents>();
osc.onMessages((delivery) => {
  for (const contents of oscWindows) if (!contents.isDestroyed()) contents.send(OSC_EVENT_CHANNEL, delivery);
});

const preloadPath = path.join(__dirname, 'preload.cjs');
const performWindows = new Map<WebContents, PerformWindow>();
/** The performance window of the studio window `sender`, opened on that window's display. */
function performWindowOf(sender: WebContents): PerformWindow {
  let perform = performWindows.get(sender);
  if (!perform) {
    perform = new PerformWindow({
      BrowserWindow,
      displayBounds: () => screen.getDisplayMatching((BrowserWindow.fromWebContents(sender) ?? BrowserWindow.getAllWindows()[0]!).getBounds()).bounds,
      preload: preloadPath,
    });
    performWindows.set(sender, perform);
    sender.once('destroyed', () => performWindows.delete(sender));
  }
  return perform;
}

/** The folder and manifest of a listed model, for the native host (which reads the package from disk). */
function modelPackage(modelId: string): { dir: string; manifest: ModelEntry['manifest'] } {
  const entry = library.entry(modelId);
  // The library resolves files, not folders: any file of the package names its folder.
  const file = entry && library.resolveFile(modelId, Object.keys(entry.manifest.files)[0] ?? '');
  if (!entry || !file) throw new Error(`model "${modelId}" is not in the library: reload the model list`);
  return { dir: path.dirname(file), manifest: entry.manifest };
}

// The native path where WebGPU is missing: a utility process per window, ported to its worker.
const nativeServing = new NativeServing<MessagePortMain>({
  locate: modelPackage,
  start: utilityChannel(path.join(appRoot, NATIVE_HOST_ENTRY)),
  ports: () => new MessageChannelMain(),
});

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

async function createWindow(): Promise<void> {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: '#16171a',
    title: 'Latent Studio',
    show: false,
    // Written out at the call, not built by a helper, so a reader and Electronegativity see every
    // setting where the window is made; main.test.ts checks the window gets exactly these.
    webPreferences: {
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
    },
  });
  window.once('ready-to-show', () => window.show());
  await window.loadURL(APP_ENTRY_URL);
}

app.enableSandbox();
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
void app.whenReady().then(async () => {
  hardenSession(session.defaultSession);
  protocol.handle(APP_SCHEME, serveAppRequest);
  await library.scan();
  await userData.importer.cleanStaging();
  wireIpc<WebContents>(ipcMain, api, {
    openNative: ({ modelId }, sender) => nativeServing.open(modelId, sender),
    oscListen: async ({ port }, sender) => {
      if (port === null) oscWindows.delete(sender);
      else if (!oscWindows.has(sender)) {
        oscWindows.add(sender);
        sender.once('destroyed', () => oscWindows.delete(sender));
      }
      return osc.listen(port);
    },
    openPerformWindow: async (_request, sender) => {
      await performWindowOf(sender).open();
      return {};
    },
  });
  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});

// A normal quit marks the session clean, so its autosave is not offered as crash recovery.
let cleanExitRecorded = false;
app.on('before-quit', (event) => {
  if (cleanExitRecorded) return;
  event.preventDefault();
  cleanExitRecorded = true;
  void userData.projects.markCleanExit().then(
    () => app.quit(),
    (error: unknown) => {
      console.error(`Latent Studio could not record a clean exit: ${(error as Error).message}`);
      app.quit();
    },
  );
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
