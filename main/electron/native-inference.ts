/**
 * The studio's native path in Electron. The inference host (main/inference/native/host.ts) runs as
 * a utility process per window and open model; the main process opens the model there (it knows
 * the package folder: the sandboxed renderer never names paths), then hands one end of a
 * MessageChannelMain to the host and the other to the window, whose preload passes it on to the
 * page and the page to its inference worker. Frames then go worker ↔ utility process directly.
 */
import { randomBytes } from 'node:crypto';
import { utilityProcess, type MessagePortMain } from 'electron';
import { NATIVE_ENDED_MESSAGE, NATIVE_PORT_MESSAGE } from '../../app/contract/native';
import type { Manifest } from '../../app/model/manifest';
import type { NativeProvider } from '../../app/contract/native';
import { openNativeRunner, type NativeRunner } from '../inference/native/client';
import type { ConnectPorts, FromNative, NativeChannel, ToNative } from '../inference/native/protocol';


/** A host process that can be handed ports of type `P`. */
export interface PortChannel<P> extends NativeChannel {
  /** Hand `port` to the host: it answers the requests arriving on it on it. */
  connect(port: P): void;
}

/**
 * Start `entry` (the built dist/native/host.cjs) in a utility process. Call only after the app's
 * `ready` event (Electron's rule for `utilityProcess.fork`).
 */
export function utilityChannel(entry: string): () => PortChannel<MessagePortMain> {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Latent Studio inference', stdio: 'inherit' });
    const exitListeners: ((detail: string) => void)[] = [];
    let exited: string | null = null;
    let fatal = '';
    // A V8 fatal error is reported before the exit; keep its location for the exit message.
    child.on('error', (type, location) => (fatal = `; ${type} at ${location}`));
    child.on('exit', (code) => {
      exited = `exit code ${code}${fatal}`;
      for (const listener of exitListeners) listener(exited);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message: ToNative) => child.postMessage(message),
      connect: (port) => child.postMessage({ type: 'connect' } satisfies ConnectPorts, [port]),
      onMessage: (listener) => child.on('message', (message: unknown) => listener(message as FromNative)),
      onExit: (listener) => {
        if (exited !== null) listener(exited);
        else exitListeners.push(listener);
      },
      kill: () => void child.kill(),
    };
  };
}

/** The window a port goes to: the part of WebContents used here. */
export interface PortTarget<P> {
  readonly id: number;
  postMessage(channel: string, message: unknown, transfer?: P[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): void;
}

/** What {@link NativeServing} is built from. */
export interface NativeServingOptions<P> {
  /** The package folder and manifest of a listed model; throws for an unknown id. */
  locate(modelId: string): { dir: string; manifest: Manifest };
  /** Start a host process. */
  start: () => PortChannel<P>;
  /** A new pair of entangled ports (Electron: `new MessageChannelMain()`). */
  ports: () => { port1: P; port2: P };
  /** Intra-op threads of the host's sessions (default: the cores, at most 4). */
  numThreads?: number;
}

/** The answer of `inference:open-native`. */
export interface NativeOpened {
  provider: NativeProvider;
  fallbackReason: string | null;
  /** Names the port sent on {@link NATIVE_PORT_MESSAGE} for this answer. */
  portId: string;
}

/** Native hosts of the studio's windows: one process per window, for the model it shows. */
export class NativeServing<P> {
  private readonly served = new Map<number, NativeRunner>();
  private readonly watched = new Set<number>();
  // Opens and closes one at a time: a window that switches models twice quickly must not end up
  // with two processes, or with the port of the older one.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: NativeServingOptions<P>) {}

  /**
   * Open `modelId` in a new host for `target` (ending the one it had), hand the host one end of a
   * new port and `target` the other. Rejects when the host cannot open the model (onnxruntime-node
   * missing, a broken package): the studio then stays on WASM and says why.
   */
  open(modelId: string, target: PortTarget<P>): Promise<NativeOpened> {
    const task = this.queue.then(() => this.openNow(modelId, target));
    this.queue = task.catch(() => undefined); // the caller gets the error; the queue only needs the turn
    return task;
  }

  /** End the host of window `id`, if it has one. */
  async close(id: number): Promise<void> {
    const runner = this.served.get(id);
    this.served.delete(id);
    await runner?.dispose();
  }

  private async openNow(modelId: string, target: PortTarget<P>): Promise<NativeOpened> {
    await this.close(target.id);
    if (!this.watched.has(target.id)) {
      this.watched.add(target.id);
      target.once('destroyed', () => {
        this.watched.delete(target.id);
        void this.close(target.id);
      });
    }
    const { dir, manifest } = this.options.locate(modelId);
    const started: { channel?: PortChannel<P> } = {};
    const runner = await openNativeRunner(dir, manifest, { channel: () => (started.channel = this.options.start()), numThreads: this.options.numThreads });
    if (target.isDestroyed()) {
      await runner.dispose();
      throw new Error('the window closed while its model was opening');
    }
    this.served.set(target.id, runner);
    const portId = randomBytes(12).toString('base64url');
    const { port1, port2 } = this.options.ports();
    started.channel!.connect(port1);
    target.postMessage(NATIVE_PORT_MESSAGE, { modelId, portId }, [port2]);
    // A host that dies on its own: the window's worker would wait for answers forever; tell it.
    void runner.ended.then((error) => {
      if (!error || this.served.get(target.id) !== runner) return;
      this.served.delete(target.id);
      if (!target.isDestroyed()) target.postMessage(NATIVE_ENDED_MESSAGE, { modelId, portId, message: error.message });
    });
    return { provider: runner.provider, fallbackReason: runner.fallbackReason, portId };
  }
}
