/**
 * Native inference for the browser host: a page's inference worker opens a WebSocket
 * (NATIVE_SOCKET_ROUTE, websocket.ts) naming a model; the host opens that model in a native
 * process of its own (main/inference/native: onnxruntime-node, as the desktop app and the CLI run
 * it), and relays the page's runs to it and the answers back as native-wire.ts frames. The page
 * names a model id, never a folder; its inputs are checked against the manifest here (the
 * runner's checks) before they reach the process. A process that ends on its own closes the socket
 * with 1011 and the reason, which the worker reports as a lost runtime (it falls back to WASM);
 * a socket that closes ends its process.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type http from 'node:http';
import { decodeFromPage, encodeNativeMessage, NativeWireError } from '../../app/contract/native-wire';
import type { FromNative } from '../../app/contract/native';
import type { Feeds } from '../../app/inference/runner';
import type { ModelLibrary } from '../services/library';
import { forkChannel, openNativeRunner, type NativeRunner } from '../inference/native/client';
import { KeptFeeds } from '../../app/runtime/native-runner';
import { acceptWebSocket, CLOSE, refuseUpgrade, type WebSocketPeer } from './websocket';

/** Largest message a page sends: a batch of ws or z rows is a few MB; nothing it sends comes near this. */
const MAX_PAGE_MESSAGE_BYTES = 64 << 20;

/**
 * Whether this install can serve native inference: the built host process exists and
 * onnxruntime-node (an optional dependency) resolves from it. What `appInfo` reports as
 * `nativeInference` for the browser host.
 */
export function nativeInferenceAvailable(entry: string): boolean {
  if (!existsSync(entry)) return false;
  try {
    createRequire(entry).resolve('onnxruntime-node');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return false;
    throw error;
  }
}

/** Options of {@link NativeSockets}. */
export interface NativeSocketOptions {
  /** The built native host (dist/native/host.cjs). */
  entry: string;
  library: ModelLibrary;
  /** Intra-op threads of each process (default: openNativeRunner's, the cores at most 4). */
  numThreads?: number;
}

/** The browser host's native sockets: one native process per open socket. */
export class NativeSockets {
  private readonly open = new Set<{ peer: WebSocketPeer; runner: Promise<NativeRunner | null> }>();

  constructor(private readonly options: NativeSocketOptions) {}

  /**
   * Take the upgrade `req` (already checked for Host, Origin and token) for `modelId`: refuse it
   * with plain HTTP when the model is unknown, else accept it and open the model.
   */
  serve(req: http.IncomingMessage, socket: Duplex, head: Buffer, modelId: string | null): void {
    const entry = modelId === null ? undefined : this.options.library.entry(modelId);
    const dir = modelId === null ? null : this.options.library.packageDir(modelId);
    if (!entry || !dir) return refuseUpgrade(socket, 404, `No model "${modelId ?? ''}" in the library: reload the studio.`);
    const peer = acceptWebSocket(req, socket, head, MAX_PAGE_MESSAGE_BYTES);
    const send = (message: FromNative) => peer.send(encodeNativeMessage(message));
    let closed = false;
    const kept = new KeptFeeds();
    const runner = openNativeRunner(dir, entry.manifest, { channel: forkChannel(this.options.entry), numThreads: this.options.numThreads }).then(
      (opened) => {
        if (closed) return opened.dispose().then(() => null);
        // id 0: the socket's first message, unasked (the page's requests count from 1).
        send({ type: 'opened', id: 0, modelId: entry.manifest.id, provider: opened.provider, fallbackReason: opened.fallbackReason });
        void opened.ended.then((error) => error && peer.close(CLOSE.serverError, error.message));
        return opened;
      },
      (error: Error) => {
        send({ type: 'failed', id: 0, name: error.name, message: error.message });
        peer.close(CLOSE.serverError, 'the model could not be opened natively');
        return null;
      },
    );
    const record = { peer, runner };
    this.open.add(record);
    peer.onClose(() => {
      closed = true;
      this.open.delete(record);
      void runner.then((r) => r?.dispose());
    });
    peer.onMessage((data) => {
      let message;
      try {
        message = decodeFromPage(data);
      } catch (error) {
        // A page of ours never sends a bad frame: the socket is closed, not answered.
        if (error instanceof NativeWireError) return peer.close(CLOSE.protocolError, error.message);
        throw error;
      }
      // Filled in here, in arrival order; the runner then leaves out whatever the native process
      // already holds, so an unchanged input crosses neither hop.
      let feeds: Feeds;
      try {
        feeds = kept.merge(message.graph, message.feeds, message.kept);
      } catch (error) {
        const e = error as Error;
        return send({ type: 'failed', id: message.id, name: e.name, message: e.message });
      }
      void runner.then(async (r) => {
        if (!r) return;
        try {
          if (message.type === 'run') send({ type: 'result', id: message.id, outputs: await r.run(message.graph, feeds) });
          else send({ type: 'pixels', id: message.id, ...(await r.runPixels(message.graph, feeds, message.output, message.range)) });
        } catch (error) {
          const e = error as Error;
          send({ type: 'failed', id: message.id, name: e.name, message: e.message });
        }
      });
    });
  }

  /** Close every socket (their processes end with them). */
  async close(): Promise<void> {
    const runners = [...this.open].map(({ peer, runner }) => {
      peer.close(CLOSE.normal, 'the studio host is shutting down');
      return runner.then((r) => r?.dispose());
    });
    await Promise.all(runners);
  }
}
