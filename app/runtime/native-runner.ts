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

/** Raised by a host asked to reuse an input it does not hold (the client then sends it whole). */
export class KeptFeedsError extends Error {
  override readonly name = 'KeptFeedsError';
}

/** Whether two float arrays hold the same bits (NaNs included), compared as 32-bit words. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The client's half of not sending an input again when it has not changed: a ψ drag changes ws,
 * not the noise maps, which are most of a synthesis request (0.7 MB at 256 px, 11 MB at 1024).
 * Per graph it keeps a copy of what crossed last on its carrier, compares each input with it by
 * content (a caller may refill the same array, so identity would not do), and names the equal ones
 * `kept` instead of sending them. The host's half is {@link KeptFeeds}; both change in request
 * order, which the carrier keeps.
 */
export class SentFeeds {
  private readonly sent = new Map<string, Map<string, { data: Float32Array; dims: readonly number[] }>>();

  /** What of `feeds` must cross, and the names of the inputs the host already holds as they are. */
  split(graph: string, feeds: Feeds): { feeds: Feeds; kept: string[] } {
    const before = this.sent.get(graph);
    const now = new Map<string, { data: Float32Array; dims: readonly number[] }>();
    const send: Feeds = {};
    const kept: string[] = [];
    for (const [name, tensor] of Object.entries(feeds)) {
      const last = before?.get(name);
      if (last && sameDims(last.dims, tensor.dims) && sameBits(last.data, tensor.data)) {
        kept.push(name);
        now.set(name, last);
      } else {
        send[name] = tensor;
        now.set(name, { data: tensor.data.slice(), dims: [...tensor.dims] });
      }
    }
    this.sent.set(graph, now);
    return { feeds: send, kept };
  }

  /** Send every input of `graph` whole next time (after a failed request: the host may not hold them). */
  forget(graph: string): void {
    this.sent.delete(graph);
  }
}

/**
 * The host's half of {@link SentFeeds}, one per carrier: per graph, the inputs of the last request,
 * from which a request's `kept` names are filled in.
 */
export class KeptFeeds {
  private readonly held = new Map<string, Feeds>();

  /**
   * The whole feeds of a request: the inputs it carries and its `kept` ones, as the last request
   * for `graph` carried them. Throws {@link KeptFeedsError} for a kept input this carrier never sent.
   */
  merge(graph: string, feeds: Feeds, kept: readonly string[] = []): Feeds {
    const held = this.held.get(graph);
    const whole: Feeds = { ...feeds };
    for (const name of kept) {
      const tensor = held?.[name];
      if (!tensor || Object.hasOwn(feeds, name)) {
        this.held.delete(graph);
        throw new KeptFeedsError(`input "${name}" of graph "${graph}" was to be reused, but ${tensor ? 'it was also sent' : 'it was not sent before on this connection'}`);
      }
      whole[name] = tensor;
    }
    this.held.set(graph, whole);
    return whole;
  }
}

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
  const sent = new SentFeeds();
  /**
   * Send a request for `graph` with only the inputs that changed since the last one. A failed
   * request makes the next one send every input; a host that lacks a kept input is asked again at once, whole.
   */
  async function sendChanged<T>(graph: string, feeds: Feeds, ask: (feeds: Feeds, kept?: { kept: string[] }) => Promise<T>): Promise<T> {
    checkFeeds(manifest, graph, feeds);
    const send = () => {
      const split = sent.split(graph, feeds);
      return ask(split.feeds, split.kept.length ? { kept: split.kept } : undefined);
    };
    try {
      return await send();
    } catch (error) {
      sent.forget(graph);
      if ((error as Error).name !== 'KeptFeedsError') throw error;
      return send();
    }
  }
  return {
    backend: 'native',
    provider: served.provider,
    fallbackReason: served.fallbackReason,
    async run(graph: string, feeds: Feeds): Promise<Feeds> {
      if (disposed) throw new Error('this model was unloaded');
      return (await sendChanged(graph, feeds, (changed, kept) => connection.request({ type: 'run', graph, feeds: changed, ...kept }))).outputs;
    },
    async runPixels(graph, feeds, output, range) {
      if (disposed) throw new Error('this model was unloaded');
      const { width, height, data } = await sendChanged(graph, feeds, (changed, kept) =>
        connection.request({ type: 'run-pixels', graph, feeds: changed, ...kept, output, range: [range[0], range[1]] }),
      );
      return { width, height, data };
    },
    dispose() {
      disposed ??= release();
      return disposed;
    },
  };
}
