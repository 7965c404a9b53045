/**
 * A {@link GraphRunner} whose graphs run with onnxruntime-node in another process (host.ts): the
 * studio's native CPU path where WebGPU is missing, and the GPU providers where the installed
 * onnxruntime-node has them. Inputs are checked against the manifest here, before they cross the
 * process boundary, so shape errors are the same as on every other runtime.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Feeds, GraphRunner } from '../../../app/inference';
import type { Manifest } from '../../../app/model/manifest';
import { checkFeeds } from '../../../app/model/shapes';
import type { FromNative, NativeChannel, NativeChannelFactory, NativeOpenOptions, NativeProvider, ToNative } from './protocol';

/** Where scripts/build.mjs puts the host process's entry, relative to the built app's root. */
export const NATIVE_HOST_ENTRY = path.join('dist', 'native', 'host.cjs');

/** How many characters of the host's stderr an exit message quotes. */
const STDERR_TAIL = 2000;

/**
 * Start the host as a Node child process. `serialization: 'advanced'` sends Float32Arrays as
 * structured clones (their bytes), not as JSON objects of numbers. The host's stderr is passed
 * through and its tail kept, so an exit message can say why the process ended.
 */
export function forkChannel(entry: string): NativeChannelFactory {
  return () => {
    // execArgv: [] keeps the parent's loaders and inspector flags out of the host.
    const child = fork(entry, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'], execArgv: [] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    const exitListeners: ((detail: string) => void)[] = [];
    let exited: string | null = null;
    const ended = (detail: string) => {
      if (exited !== null) return;
      exited = detail + (stderr.trim() ? `; it wrote: ${stderr.trim()}` : '');
      for (const listener of exitListeners) listener(exited);
    };
    // 'close' waits for stderr to drain, so the tail is complete when the exit is reported.
    child.on('close', (code, signal) => ended(signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (error) => ended(`could not run ${entry}: ${error.message}`));
    return {
      pid: child.pid,
      send: (message: ToNative) => {
        // A send can only fail when the process is gone; its exit then fails the request.
        if (child.connected) child.send(message, (error) => error && child.kill('SIGKILL'));
      },
      onMessage: (listener) => child.on('message', (message) => listener(message as FromNative)),
      onExit: (listener) => {
        if (exited !== null) listener(exited);
        else exitListeners.push(listener);
      },
      kill: () => child.kill('SIGKILL'),
    };
  };
}

/**
 * Threads of a native runner unless told otherwise: the cores, at most 4, as the studio's WASM
 * worker. More threads than cores measured slower everywhere; fewer, slower on an idle machine
 * (docs/PERFORMANCE.md, thread counts).
 */
export function defaultNativeThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/** Options of {@link openNativeRunner}. */
export interface NativeRunnerOptions extends Partial<NativeOpenOptions> {
  /** How to start the host process; give `forkChannel(entry)` or Electron's utility-process channel. */
  channel: NativeChannelFactory;
}

/** A runner served by a native host process. */
export interface NativeRunner extends GraphRunner {
  readonly backend: 'native';
  /** The execution provider that serves the model. */
  readonly provider: NativeProvider;
  /** Why the GPU providers the build lists are not used, or null. */
  readonly fallbackReason: string | null;
  /** The host's process id. */
  readonly pid: number | undefined;
}

/** Raised by a native runner whose host process ended while the model was open. */
export class NativeProcessError extends Error {
  override readonly name = 'NativeProcessError';
}

interface Waiting {
  resolve(message: FromNative): void;
  reject(error: Error): void;
}

/**
 * Start a host process, open the package in `dir` there (the host reads and validates its
 * manifest from disk; it must be the package `manifest` describes) and return its runner.
 * Disposing the runner ends the process; a process that ends on its own fails every pending and
 * later run with a {@link NativeProcessError} that says how it ended.
 */
export async function openNativeRunner(dir: string, manifest: Manifest, options: NativeRunnerOptions): Promise<NativeRunner> {
  const channel: NativeChannel = options.channel();
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let ended: Error | null = null;
  let disposing = false;
  // The host's unsolicited 'ready' answers request id 0.
  const ready = new Promise<FromNative>((resolve, reject) => waiting.set(0, { resolve, reject }));
  const exit = new Promise<void>((resolve) =>
    channel.onExit((detail) => {
      ended = disposing
        ? new Error('this model was unloaded')
        : new NativeProcessError(`the native inference process ended unexpectedly (${detail}); reopen the model to start a new one`);
      for (const w of waiting.values()) w.reject(ended);
      waiting.clear();
      resolve();
    }),
  );

  channel.onMessage((message) => {
    const id = message.type === 'ready' ? 0 : message.id;
    const w = waiting.get(id);
    if (!w) return;
    waiting.delete(id);
    if (message.type === 'failed') {
      const error = new Error(message.message);
      error.name = message.name;
      w.reject(error);
    } else {
      w.resolve(message);
    }
  });

  function request(message: ToNative): Promise<FromNative> {
    if (ended) return Promise.reject(ended);
    return new Promise((resolve, reject) => {
      waiting.set(message.id, { resolve, reject });
      channel.send(message);
    });
  }

  async function dispose(): Promise<void> {
    if (disposing) return exit;
    disposing = true;
    if (!ended) channel.kill();
    return exit;
  }

  let opened: Extract<FromNative, { type: 'opened' }>;
  try {
    await ready;
    const open: NativeOpenOptions = { numThreads: options.numThreads ?? defaultNativeThreads(), providers: options.providers ?? 'auto' };
    opened = (await request({ type: 'open', id: nextId++, dir, options: open })) as typeof opened;
    if (opened.modelId !== manifest.id) {
      throw new Error(`${dir} now holds model "${opened.modelId}", not "${manifest.id}": reload the model library`);
    }
  } catch (error) {
    await dispose();
    throw error;
  }

  return {
    backend: 'native',
    provider: opened.provider,
    fallbackReason: opened.fallbackReason,
    pid: channel.pid,
    async run(graph: string, feeds: Feeds): Promise<Feeds> {
      if (disposing) throw new Error('this model was unloaded');
      checkFeeds(manifest, graph, feeds);
      const result = await request({ type: 'run', id: nextId++, graph, feeds });
      return (result as Extract<FromNative, { type: 'result' }>).outputs;
    },
    dispose,
  };
}
