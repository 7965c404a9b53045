/**
 * The studio's native inference path as its clients see it: the messages to and from the process
 * that owns onnxruntime-node (main/inference/native/host.ts), and the one request/answer
 * bookkeeping every client uses over whatever carries them — a Node child process's channel (the
 * CLI, the bench, the Electron main process opening a model) or a MessagePort that Electron's main
 * process handed to the renderer's inference worker. Platform-neutral: it knows messages and
 * promises, nothing of processes, ports or onnxruntime.
 *
 * Float32Arrays travel by structured clone on every carrier (`fork` with `serialization:
 * 'advanced'`, Electron's `postMessage`, MessagePort), never as JSON.
 */
import type { Feeds, GraphRunner } from '../inference/runner';
import type { Manifest } from '../model/manifest';
import { checkFeeds } from '../inference/feeds';

/** Execution providers the host may ask onnxruntime-node for, best first. */
export type NativeProvider = 'cuda' | 'dml' | 'coreml' | 'cpu';

/** How the host opens a model. */
export interface NativeOpenOptions {
  /**
   * Intra-op threads of every session: the same knob as the WASM adapters' `numThreads`; 0 leaves
   * the choice to onnxruntime (one per physical core).
   */
  numThreads: number;
  /** 'auto': a GPU provider when the installed onnxruntime-node has one, else CPU; 'cpu': CPU only. */
  providers: 'auto' | 'cpu';
}

/**
 * Messages to the host. Every request carries an id; the host answers it exactly once, on the
 * carrier it came from. A host serves one model for its whole life: its owner ends the process to
 * unload it.
 */
export type ToNative =
  /** Read `<dir>/manifest.json`, validate it and create a session for each of its graphs. */
  | { type: 'open'; id: number; dir: string; options: NativeOpenOptions }
  | { type: 'run'; id: number; graph: string; feeds: Feeds };

/** Messages from the host. */
export type FromNative =
  /** Sent once on the parent channel, before any request is read: the host is up and onnxruntime-node loaded. */
  | { type: 'ready'; onnxruntime: string; supported: string[] }
  | {
      type: 'opened';
      id: number;
      /** The manifest id the host read from disk (the client checks it against its own). */
      modelId: string;
      provider: NativeProvider;
      /** Why a GPU provider the build lists was not used, or null. */
      fallbackReason: string | null;
    }
  | { type: 'result'; id: number; outputs: Feeds }
  /** A request failed; `name` is the error class on the host side (ShapeError, GraphMismatchError, …). */
  | { type: 'failed'; id: number; name: string; message: string };

/** A request as a caller writes it: the connection stamps its id. */
export type NativeRequest = ToNative extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

/** The answer a request of type `T` resolves to. */
export type NativeAnswer<T extends NativeRequest['type']> = T extends 'open'
  ? Extract<FromNative, { type: 'opened' }>
  : Extract<FromNative, { type: 'result' }>;

/** Whatever carries the messages between a client and a host. */
export interface NativeEndpoint {
  send(message: ToNative): void;
  /** Deliver every message from the host to `listener`. */
  onMessage(listener: (message: FromNative) => void): void;
}

/** The part of a MessagePort (the DOM's, or worker_threads') that {@link portEndpoint} uses. */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** Ports whose listeners are added with addEventListener deliver nothing until started. */
  start?(): void;
}

/** A MessagePort as an endpoint: the host answers on the same port (host.ts serves handed ports). */
export function portEndpoint(port: MessagePortLike): NativeEndpoint {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.addEventListener('message', (event) => listener(event.data as FromNative));
      port.start?.();
    },
  };
}

interface Waiting {
  resolve(message: FromNative): void;
  reject(error: Error): void;
}

/**
 * Requests and their answers over one endpoint: ids, the promises waiting for them, answers that
 * fail as errors carrying the host's error class name, and the end of the host, which fails every
 * pending and later request.
 */
export class NativeConnection {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private endedWith: Error | null = null;
  private readyMessage: Extract<FromNative, { type: 'ready' }> | null = null;
  private readyWaiters: Waiting[] = [];

  constructor(private readonly endpoint: NativeEndpoint) {
    endpoint.onMessage((message) => this.receive(message));
  }

  /** Why the host is gone, or null while it serves. */
  get ended(): Error | null {
    return this.endedWith;
  }

  /** Resolves when the host has said it is ready (hosts started as processes say so once, unasked). */
  ready(): Promise<Extract<FromNative, { type: 'ready' }>> {
    if (this.readyMessage) return Promise.resolve(this.readyMessage);
    if (this.endedWith) return Promise.reject(this.endedWith);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve: (m) => resolve(m as Extract<FromNative, { type: 'ready' }>), reject }));
  }

  /** Send `request` with a fresh id; resolves with its answer, rejects with the host's error. */
  request<R extends NativeRequest>(request: R): Promise<NativeAnswer<R['type']>> {
    if (this.endedWith) return Promise.reject(this.endedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: (m) => resolve(m as NativeAnswer<R['type']>), reject });
      this.endpoint.send({ ...request, id } as ToNative);
    });
  }

  /** The host is gone: fail everything pending, and every later request, with `error`. */
  end(error: Error): void {
    if (this.endedWith) return;
    this.endedWith = error;
    for (const w of [...this.waiting.values(), ...this.readyWaiters]) w.reject(error);
    this.waiting.clear();
    this.readyWaiters = [];
  }

  private receive(message: FromNative): void {
    if (message.type === 'ready') {
      this.readyMessage = message;
      for (const w of this.readyWaiters) w.resolve(message);
      this.readyWaiters = [];
      return;
    }
    const w = this.waiting.get(message.id);
    if (!w) return;
    this.waiting.delete(message.id);
    if (message.type === 'failed') {
      const error = new Error(message.message);
      error.name = message.name;
      w.reject(error);
    } else {
      w.resolve(message);
    }
  }
}

/** A runner whose graphs run in a native host. */
export interface NativeGraphRunner extends GraphRunner {
  readonly backend: 'native';
  /** The execution provider that serves the model. */
  readonly provider: NativeProvider;
  /** Why the GPU providers the build lists are not used, or null. */
  readonly fallbackReason: string | null;
}

/**
 * A {@link GraphRunner} over `connection`, whose host already holds `manifest`'s model. Inputs are
 * checked against the manifest here, before they cross to the host, so shape errors are the same
 * as on every other runtime. `release` frees the carrier (ends the process, closes the port).
 */
export function nativeGraphRunner(
  connection: NativeConnection,
  manifest: Manifest,
  served: { provider: NativeProvider; fallbackReason: string | null },
  release: () => Promise<void>,
): NativeGraphRunner {
  let disposed: Promise<void> | null = null;
  return {
    backend: 'native',
    provider: served.provider,
    fallbackReason: served.fallbackReason,
    async run(graph: string, feeds: Feeds): Promise<Feeds> {
      if (disposed) throw new Error('this model was unloaded');
      checkFeeds(manifest, graph, feeds);
      return (await connection.request({ type: 'run', graph, feeds })).outputs;
    },
    dispose() {
      disposed ??= release();
      return disposed;
    },
  };
}
