/**
 * Typed messages between a native inference client (client.ts) and the process that owns
 * onnxruntime-node (host.ts). The same messages travel over a Node child process (`fork` with
 * `serialization: 'advanced'`, so Float32Arrays are structured-cloned instead of turned into JSON)
 * and over Electron's utility process (`postMessage`, structured clone as well).
 */
import type { Feeds } from '../../../app/inference';

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
 * Messages to the host. Every request carries an id; the host answers it exactly once. A host
 * serves one model for its whole life: its owner ends the process to unload it.
 */
export type ToNative =
  /** Read `<dir>/manifest.json`, validate it and create a session for each of its graphs. */
  | { type: 'open'; id: number; dir: string; options: NativeOpenOptions }
  | { type: 'run'; id: number; graph: string; feeds: Feeds };

/** Messages from the host. */
export type FromNative =
  /** Sent once, before any request is read: the host is up and onnxruntime-node loaded. */
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

/** One end of the message channel to a host process, whatever kind of process it is. */
export interface NativeChannel {
  /** Operating-system process id (diagnostics, crash tests). */
  readonly pid: number | undefined;
  send(message: ToNative): void;
  onMessage(listener: (message: FromNative) => void): void;
  /** Called once when the process has ended, for whatever reason; `detail` says how ("code 1", "signal SIGKILL"). */
  onExit(listener: (detail: string) => void): void;
  /** End the process now. */
  kill(): void;
}

/** Starts a host process and returns its channel. */
export type NativeChannelFactory = () => NativeChannel;
