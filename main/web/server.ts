/**
 * The browser host: serves the built renderer and the shared services over HTTP on loopback
 * (127.0.0.1, and [::1] where the system has it). Who may call it is decided in access.ts: a Host
 * naming this server, no foreign Origin, and the per-run token in a header (never a cookie).
 */
import http from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { contract, ContractError, importJobSchema } from '../../app/contract/channels';
import { API_PREFIX, methodForApiPath, NATIVE_SOCKET_ROUTE, OSC_EVENTS_ROUTE, readUploadUrl } from '../../app/contract/routes';
import { ManifestError } from '../../app/model/manifest';
import { MAX_PROJECT_BYTES, ProjectError } from '../../app/project/schema';
import { LibraryError, ModelLibrary } from '../services/library';
import { createApi, dispatch } from '../services/api';
import { SECURITY_HEADERS, resolveAsset } from '../services/assets';
import { DirectionStore, userDataDir } from '../services/directions';
import { ImportError } from '../services/import';
import { ImportCancelledError } from '../services/import-jobs';
import { ProjectStoreError } from '../services/projects';
import { UserData } from '../services/user-data';
import { OscReceiver } from '../services/osc';
import { loopbackHosts, refuse } from './access';
import { NativeSockets, nativeInferenceAvailable } from './native-socket';
import { handshakeProblem, refuseUpgrade } from './websocket';
import { NATIVE_HOST_ENTRY } from '../inference/native/client';

/** JSON calls: a project (the largest payload) plus its envelope. */
const MAX_BODY_BYTES = MAX_PROJECT_BYTES + (1 << 20);

/** Errors that mean the request or its file was refused (400), not that the host failed (500). */
function isRefusal(error: unknown): boolean {
  return [ContractError, ManifestError, ImportError, ImportCancelledError, LibraryError, ProjectError, ProjectStoreError].some((type) => error instanceof type);
}

/** Options of {@link startWebHost}. */
export interface WebHostOptions {
  rendererDir: string;
  modelsDir: string;
  port?: number;
  token?: string;
  includeFixtures?: boolean;
  version?: string;
  /** The user data folder (library, projects, autosave); default: LATENT_STUDIO_DATA_DIR or the platform's. */
  dataDir?: string;
  /**
   * The built native inference process (dist/native/host.cjs): where it exists and onnxruntime-node
   * is installed, pages may run models natively over the native socket (native-socket.ts).
   */
  nativeHostEntry?: string;
  /** Intra-op threads of each native process (default: the cores, at most 4). */
  nativeThreads?: number;
}

/** A running browser host. */
export interface WebHost {
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ContractError('request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ContractError('request body is not JSON');
  }
}

/** Start the browser host; resolves once it listens. */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const dataDir = options.dataDir ?? userDataDir();
  const library = new ModelLibrary({ bundledDir: options.modelsDir, includeFixtures: options.includeFixtures, dataDir });
  await library.scan();
  const userData = new UserData(library, dataDir);
  await userData.importer.cleanStaging();
  const nativeSockets =
    options.nativeHostEntry && nativeInferenceAvailable(options.nativeHostEntry)
      ? new NativeSockets({ entry: options.nativeHostEntry, library, numThreads: options.nativeThreads })
      : null;
  const info = { name: 'Latent Studio', version: options.version ?? '0.0.0', host: 'web', nativeInference: nativeSockets !== null } as const;
  const osc = new OscReceiver({ dataDir });
  const api = createApi(library, info, new DirectionStore(dataDir), undefined, userData, osc);
  /** Open OSC event streams, ended when the host closes (a server waits for its open responses). */
  const streams = new Set<http.ServerResponse>();
  let allowedHosts = new Set<string>();
  let origin = '';

  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      const refused = refuse(req, allowedHosts, token, url.pathname, url.searchParams.get('token'));
      if (refused) return send(res, refused.status, refused.message);

      const upload = readUploadUrl(url);
      if (upload) {
        // A model file's bytes (the browser cannot hand the host a path): streamed to the staging
        // folder, bounded by the importer as they arrive.
        if (req.method !== 'POST') return send(res, 405, 'Use POST to upload a model file.');
        if (Number(req.headers['content-length'] ?? 0) > userData.importer.maxUploadBytes) {
          const limit = `${(userData.importer.maxUploadBytes / 2 ** 30).toFixed(1)} GiB`;
          // The body stays unread, so this connection cannot carry another request.
          res.setHeader('Connection', 'close');
          return send(res, 413, JSON.stringify({ error: `the file is larger than ${limit}, more than the studio imports; import the package folder in the desktop app` }), 'application/json');
        }
        const { job } = upload;
        if (job !== null && !importJobSchema.safeParse(job).success) {
          res.setHeader('Connection', 'close');
          return send(res, 400, JSON.stringify({ error: 'job must be an import job id' }), 'application/json');
        }
        try {
          const declared = Number(req.headers['content-length']) || 0;
          const result = await userData.importer.importUpload(upload.name, req, declared, job ?? undefined);
          return send(res, 200, JSON.stringify(contract.importModel.response.parse(result)), 'application/json');
        } catch (error) {
          return send(res, isRefusal(error) ? 400 : 500, JSON.stringify({ error: (error as Error).message }), 'application/json');
        }
      }

      if (url.pathname === OSC_EVENTS_ROUTE) {
        // One response held open, one write per datagram: a message reaches the page as soon as
        // the socket hands it over, with no polling interval (see docs/OSC.md).
        if (req.method !== 'GET') return send(res, 405, 'Use GET for the OSC event stream.');
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
        res.flushHeaders();
        res.socket?.setNoDelay(true);
        streams.add(res);
        const unsubscribe = osc.onMessages((delivery) => res.write(`data: ${JSON.stringify(delivery)}\n\n`));
        req.on('close', () => {
          unsubscribe();
          streams.delete(res);
        });
        return;
      }

      if (url.pathname.startsWith(API_PREFIX)) {
        if (req.method !== 'POST') return send(res, 405, `Use POST for ${API_PREFIX} calls.`);
        const method = methodForApiPath(url.pathname);
        if (!method) return send(res, 404, `Unknown API channel "${decodeURIComponent(url.pathname.slice(API_PREFIX.length))}".`);
        try {
          const result = await dispatch(api, method, await readBody(req));
          return send(res, 200, JSON.stringify(result), 'application/json');
        } catch (error) {
          return send(res, isRefusal(error) ? 400 : 500, JSON.stringify({ error: (error as Error).message }), 'application/json');
        }
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.');
      // Resolve the path as sent: the URL parser resolves `..` and `%2e%2e` before the guard could see them.
      const rawPath = (req.url ?? '/').split('?')[0]!;
      const resolved = resolveAsset(rawPath, options.rendererDir, library);
      if (resolved.kind === 'forbidden') return send(res, 403, `Forbidden: ${resolved.reason}.`);
      if (resolved.kind === 'not-found') return send(res, 404, 'Not found.');
      let stat;
      try {
        stat = await fs.stat(resolved.path);
      } catch {
        return send(res, 404, 'Not found.');
      }
      if (!stat.isFile()) return send(res, 404, 'Not found.');
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': resolved.mime,
        'Content-Length': String(stat.size),
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(resolved.path).pipe(res);
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `Internal error: ${(error as Error).message}`);
      else res.destroy(error as Error);
    });
  };

  // WebSockets: the native socket only. Checked as every request is (Host, Origin, token), and a
  // socket must come from one of our pages: browsers always send Origin on a WebSocket handshake.
  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', origin);
    const refused =
      refuse(req, allowedHosts, token, url.pathname, url.searchParams.get('token')) ??
      (url.pathname !== NATIVE_SOCKET_ROUTE ? { status: 404, message: 'Not found.' } : null) ??
      (req.headers.origin === undefined ? { status: 403, message: 'A native socket must be opened by a page of this studio host.' } : null);
    if (refused) return refuseUpgrade(socket, refused.status, refused.message);
    const problem = handshakeProblem(req);
    if (problem) return refuseUpgrade(socket, 400, `Not a WebSocket handshake this host takes: ${problem}.`);
    if (!nativeSockets) return refuseUpgrade(socket, 503, 'This studio host has no native runtime (onnxruntime-node is not installed); the studio uses WebGPU or WASM.');
    nativeSockets.serve(req, socket, head, url.searchParams.get('model'));
  };

  const server = http.createServer(handle);
  server.on('upgrade', upgrade);
  await listen(server, options.port ?? 0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  // `localhost` may resolve to ::1 first; answer there too, on the same port, when the system can.
  const server6 = http.createServer(handle);
  server6.on('upgrade', upgrade);
  const ipv6 = await listen(server6, port, '::1').then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (!['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EADDRINUSE'].includes(error.code ?? '')) throw error;
      return false;
    },
  );
  origin = `http://127.0.0.1:${port}`;
  allowedHosts = new Set(loopbackHosts(port, ipv6));
  const servers = ipv6 ? [server, server6] : [server];
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    close: async () => {
      for (const stream of streams) stream.end();
      await osc.stop();
      await nativeSockets?.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** Listen on `address:port`; rejects with the listen error (port taken, address missing). */
function listen(server: http.Server, port: number, address: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..');
  const pkg = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const portText = process.env.PORT;
  const port = portText ? Number(portText) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0-65535), got "${portText}".`);
  }
  const host = await startWebHost({
    rendererDir: path.join(root, 'dist', 'renderer'),
    modelsDir: process.env.LATENT_STUDIO_MODELS_DIR ?? path.join(root, 'models'),
    port,
    token: process.env.LATENT_STUDIO_TOKEN || undefined,
    includeFixtures: process.env.LATENT_STUDIO_INCLUDE_FIXTURES === '1',
    version: pkg.version,
    nativeHostEntry: path.join(root, NATIVE_HOST_ENTRY),
  });
  console.log(`Latent Studio: ${host.url}`);
  const stop = () => void host.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`Latent Studio could not start: ${(error as Error).message}`);
    process.exit(1);
  });
}
