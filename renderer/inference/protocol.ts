/**
 * Typed messages between the renderer's main thread (client.ts) and its inference worker (worker.ts).
 */
import type { Precision, PrecisionPreference } from '../../app/inference/precision';
import type { Backend, BackendPreference } from '../../app/inference/runner';
import type { LostBackends } from './backend-choice';
import type { Manifest } from '../../app/model/manifest';
import type { NativeProvider } from '../../app/contract/native';
import type { LatentState } from '../../app/state/latent-state';
import type { JobRequest } from '../../app/jobs/registry';
import type { BlendWeights } from '../../app/workshop/blend';

/** What the worker needs to load a model: its manifest and where its files stream from. */
export interface ModelRef {
  id: string;
  baseUrl: string;
  manifest: Manifest;
  /** Headers the host needs on every model-file request (the browser host's access token). */
  headers: Record<string, string>;
}

/** What the Blend dialog's preview renders: one seed with parents A and B and their blend at `weights`. */
export interface BlendPreviewRequest {
  a: ModelRef;
  b: ModelRef;
  weights: BlendWeights;
  seed: number;
  psi: number;
}

/** One RGBA picture of the blend preview. */
export interface PreviewImage {
  width: number;
  height: number;
  pixels: ArrayBuffer;
}
/** How a host hands the worker its native runtime. */
export type NativeCarrier = 'port' | 'socket';

/** Messages to the worker. */
export type ToWorker =
  /**
   * `native`: how the host serves models natively, if it does — 'port': the desktop app, the worker
   * asks for a MessagePort when it chooses native; 'socket': the browser host, the worker opens
   * its native WebSocket itself (native-socket.ts). `gpuFrames`: on WebGPU, draw preview frames
   * from the GPU buffer (gpu-present.ts) rather than reading them back.
   */
  | { type: 'load'; requestId: number; model: ModelRef; preference: BackendPreference; native: NativeCarrier | null; lost: LostBackends; precision: PrecisionPreference; gpuFrames: boolean }
  /** The answer to `native-wanted`: a port to a native host holding the model, or why there is none. */
  | { type: 'native-port'; requestId: number; port: MessagePort; provider: NativeProvider; fallbackReason: string | null }
  | { type: 'native-port'; requestId: number; error: string }
  | { type: 'render'; stamp: number; state: LatentState }
  /** A background job (app/jobs/registry.ts); never dropped by the preview's latest-wins rule. */
  | { type: 'job'; jobId: string; job: JobRequest }
  | { type: 'cancel-job'; jobId: string }
  /** The Blend dialog's preview; only the newest request waiting is served. */
  | { type: 'blend-preview'; stamp: number; request: BlendPreviewRequest }
  /** The Blend dialog closed: the parents it held open are released. */
  | { type: 'blend-preview-close' }
  /** Test hook: destroy the real GPUDevice the runtime uses (a lost device, on demand). */
  | { type: 'destroy-gpu-device' };

/** How a preview frame was made. */
export interface FrameTrace {
  /** 'gpu': drawn from the GPU buffer on the GPU; 'cpu': read back and converted in JavaScript. */
  path: 'gpu' | 'cpu';
  /** GPU outputs copied to the CPU by this worker so far (jobs: exports, thumbnails); the GPU path adds none. */
  deviceReadbacks: number;
  /** Why the GPU path is not used on WebGPU, or null. */
  gpuPathOff: string | null;
}

/** Messages from the worker. */
export type FromWorker =
  /** `provider`: the native execution provider (cpu, cuda, …) when `backend` is native, else null. */
  | { type: 'loaded'; requestId: number; modelId: string; backend: Backend; provider: NativeProvider | null; fallbackReason: string | null; precision: Precision }
  /** The worker chose the native runtime for load `requestId`: the client asks the host for a port. */
  | { type: 'native-wanted'; requestId: number; modelId: string }
  | { type: 'load-failed'; requestId: number; message: string }
  | {
      type: 'frame';
      stamp: number;
      state: LatentState;
      width: number;
      height: number;
      /** RGBA bytes (the readback path) or a GPU-drawn picture (WebGPU, gpu-present.ts): exactly one is set. */
      pixels: ArrayBuffer | null;
      bitmap: ImageBitmap | null;
      /** How the worker made it, for tests and the bench: no readback on the GPU path. */
      trace: FrameTrace;
      /** Wall time of the inference for this frame, in ms. */
      ms: number;
      /** The frame's latent in the map's space (app/jobs/map-jobs.ts mapVector). */
      vector: Float32Array;
    }
  | { type: 'render-failed'; stamp: number; message: string }
  /** The worker holds its life lock (client.ts watches it to notice the worker's end). */
  | { type: 'alive' }
  /** The GPUDevice the runtime used was lost (driver reset, destroyed): WebGPU cannot go on in this worker. */
  | { type: 'device-lost'; message: string }
  /** `ms`: building and rendering the blend (not the parents). */
  | { type: 'blend-preview'; stamp: number; a: PreviewImage; b: PreviewImage; blend: PreviewImage; ms: number }
  | { type: 'blend-preview-failed'; stamp: number; message: string }
  /** The browser host's native process (or the socket to it) ended while serving: native cannot go on in this worker. */
  | { type: 'native-lost'; message: string }
  | { type: 'job-item'; jobId: string; item: unknown }
  | { type: 'job-done'; jobId: string; cancelled: boolean }
  | { type: 'job-failed'; jobId: string; message: string };
