/**
 * The native inference path's messages: between a client (the renderer's inference worker over a
 * MessagePort, or the CLI, the bench and Electron's main process over a child process's channel)
 * and the process that owns onnxruntime-node (main/inference/native/host.ts), and the window
 * messages by which Electron's preload hands the page that port. Part of the contract like the
 * calls in channels.ts: both ends import these types, neither copies them. The bookkeeping that
 * speaks them is app/runtime/native-runner.ts.
 *
 * Float32Arrays travel by structured clone on the process and port carriers (`fork` with
 * `serialization: 'advanced'`, Electron's `postMessage`, MessagePort), never as JSON; the browser
 * host's WebSocket carries the same messages in the binary frames of native-wire.ts.
 */
import type { Feeds } from '../inference/runner';

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
  /**
   * Which graphs to load: the package's float32 graphs (default), or their float16 twins where the
   * manifest has them (`npm run convert -- --fp16` measures the twins against the originals so).
   */
  precision?: 'fp32' | 'fp16';
}

/**
 * Messages to the host. Every request carries an id; the host answers it exactly once, on the
 * carrier it came from. A host serves one model for its whole life: its owner ends the process to
 * unload it.
 */
export type ToNative =
  /** Read `<dir>/manifest.json`, validate it and create a session for each of its graphs. */
  | { type: 'open'; id: number; dir: string; options: NativeOpenOptions }
  /**
   * Run a graph. `kept` names inputs that are not in `feeds` because their data equals what this
   * carrier last sent for this graph (a drag changes ws, not the noise maps: 0.7 MB a frame at
   * 256 px, 11 MB at 1024); the host runs them with the copy it kept (native-runner.ts, SentFeeds
   * and KeptFeeds).
   */
  | { type: 'run'; id: number; graph: string; feeds: Feeds; kept?: string[] }
  /**
   * Run an image graph and answer with its output `output` as 8-bit RGBA (app/inference/image.ts
   * tensorToRgba over `range`), converted where it was computed: a 1024-px frame crosses as 4 MB,
   * not as 12 MB of float32. `kept` as for `run`.
   */
  | { type: 'run-pixels'; id: number; graph: string; feeds: Feeds; kept?: string[]; output: string; range: [number, number] };

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
  /**
   * The answer to `run-pixels`: width·height·4 bytes. An output holding NaN or ±Infinity is
   * answered `failed` with NonFiniteOutputError instead (app/inference/finite.ts).
   */
  | { type: 'pixels'; id: number; width: number; height: number; data: Uint8ClampedArray }
  /** A request failed; `name` is the error class on the host side (ShapeError, GraphMismatchError, …). */
  | { type: 'failed'; id: number; name: string; message: string };

/** A request as a caller writes it: the connection stamps its id. */
export type NativeRequest = ToNative extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

/** The answer a request of type `T` resolves to. */
export type NativeAnswer<T extends NativeRequest['type']> = T extends 'open'
  ? Extract<FromNative, { type: 'opened' }>
  : T extends 'run-pixels'
    ? Extract<FromNative, { type: 'pixels' }>
    : Extract<FromNative, { type: 'result' }>;

/**
 * The Electron host's native path outside the calls (see `openNative`): IPC messages from the main
 * process to a window, which its preload passes on to the page as window messages with this `type`.
 * NATIVE_PORT_MESSAGE carries `{ modelId, portId }` and the port; NATIVE_ENDED_MESSAGE
 * `{ modelId, portId, message }` when that port's host process ended on its own.
 */
export const NATIVE_PORT_MESSAGE = 'inference:native-port';
/** See {@link NATIVE_PORT_MESSAGE}. */
export const NATIVE_ENDED_MESSAGE = 'inference:native-ended';
