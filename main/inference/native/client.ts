/**
 * A GraphRunner whose graphs run with onnxruntime-node in another process (host.ts): the studio's
 * native CPU path where WebGPU is missing, and the GPU providers where the installed
 * onnxruntime-node has them. This module starts and ends host processes; the requests, their
 * answers and the input checks are app/runtime/native-runner.ts's, shared with the renderer's worker.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../../app/model/manifest';
import { NativeConnection, nativeGraphRunner, type NativeGraphRunner } from '../../../app/runtime/native-runner';
import type { FromNative, NativeChannel, NativeChannelFactory, NativeOpenOptions, ToNative } from './protocol';

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
export interface NativeRunner extends NativeGraphRunner {
  /** The host's process id. */
  readonly pid: number | undefined;
  /**
   * Resolves when the host process has ended: with null after `dispose()`, with a
   * {@link NativeProcessError} saying how it ended when it ended on its own.
   */
  readonly ended: Promise<NativeProcessError | null>;
}

/**
 * Why a host process ended, for the user. onnxruntime-node is an optional dependency (the browser
 * host never needs it), so an install without it is a normal case with its own advice; the studio
 * then runs on WebGPU or WASM.
 */
function endedMessage(detail: string): string {
  if (/Cannot find module 'onnxruntime-node'/.test(detail)) {
    return 'the native runtime is not installed (onnxruntime-node, an optional dependency, is missing); the studio uses WebGPU or WASM instead. To use it, run `npm install` without --omit=optional';
  }
  return `the native inference process ended unexpectedly (${detail}); reopen the model to start a new one`;
}

/** Raised by a native runner whose host process ended while the model was open. */
export class NativeProcessError extends Error {
  override readonly name = 'NativeProcessError';
}

/**
 * Start a host process, open the package in `dir` there (the host reads and validates its
 * manifest from disk; it must be the package `manifest` describes) and return its runner.
 * Disposing the runner ends the process; a process that ends on its own fails every pending and
 * later run with a {@link NativeProcessError} that says how it ended.
 */
export async function openNativeRunner(dir: string, manifest: Manifest, options: NativeRunnerOptions): Promise<NativeRunner> {
  const channel: NativeChannel = options.channel();
  const connection = new NativeConnection(channel);
  let disposing = false;
  const ended = new Promise<NativeProcessError | null>((resolve) =>
    channel.onExit((detail) => {
      const error = disposing ? null : new NativeProcessError(endedMessage(detail));
      connection.end(error ?? new Error('this model was unloaded'));
      resolve(error);
    }),
  );
  const release = async () => {
    disposing = true;
    if (!connection.ended) channel.kill();
    await ended;
  };

  let opened;
  try {
    await connection.ready();
    const open: NativeOpenOptions = { numThreads: options.numThreads ?? defaultNativeThreads(), providers: options.providers ?? 'auto', ...(options.precision ? { precision: options.precision } : {}) };
    opened = await connection.request({ type: 'open', dir, options: open });
    if (opened.modelId !== manifest.id) {
      throw new Error(`${dir} now holds model "${opened.modelId}", not "${manifest.id}": reload the model library`);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { ...nativeGraphRunner(connection, manifest, opened, release), pid: channel.pid, ended };
}
