/**
 * The studio's native inference path as its clients see it: over the messages of
 * app/contract/native.ts, to and from the process that owns onnxruntime-node
 * (main/inference/native/host.ts), the one request/answer
 * bookkeeping every client uses over whatever carries them — a Node child process's channel (the
 * CLI, the bench, the Electron main process opening a model) or a MessagePort that Electron's main
 * process handed to the renderer's inference worker. Platform-neutral: it knows messages and
 * promises, nothing of processes, ports or onnxruntime.
 */
import type { FromNative, NativeAnswer, NativeProvider, NativeRequest, ToNative } from '../contract/native';
import type { Feeds, GraphRunner } from '../inference/runner';
import type { Manifest } from '../model/manifest';
import { checkFeeds } from '../inference/feeds';

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
  runPixels: NonNullable<GraphRunner['runPixels']>;
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
    async runPixels(graph, feeds, output, range) {
      if (disposed) throw new Error('this model was unloaded');
      checkFeeds(manifest, graph, feeds);
      const { width, height, data } = await connection.request({ type: 'run-pixels', graph, feeds, output, range: [range[0], range[1]] });
      return { width, height, data };
    },
    dispose() {
      disposed ??= release();
      return disposed;
    },
  };
}
