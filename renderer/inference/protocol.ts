/**
 * Typed messages between the renderer's main thread (client.ts) and its inference worker (worker.ts).
 */
import type { Backend, BackendPreference } from '../../app/inference';
import type { Manifest } from '../../app/model/manifest';
import type { LatentState } from '../../app/pipeline/state';
import type { JobRequest } from '../../app/pipeline/jobs';

/** What the worker needs to load a model: its manifest and where its files stream from. */
export interface ModelRef {
  id: string;
  baseUrl: string;
  manifest: Manifest;
}

/** Messages to the worker. */
export type ToWorker =
  | { type: 'load'; requestId: number; model: ModelRef; preference: BackendPreference }
  | { type: 'render'; stamp: number; state: LatentState }
  /** A background job (app/pipeline/jobs.ts); never dropped by the preview's latest-wins rule. */
  | { type: 'job'; jobId: string; job: JobRequest }
  | { type: 'cancel-job'; jobId: string }
  /** Test hook: destroy the real GPUDevice the runtime uses (a lost device, on demand). */
  | { type: 'destroy-gpu-device' };

/** Messages from the worker. */
export type FromWorker =
  | { type: 'loaded'; requestId: number; modelId: string; backend: Backend; fallbackReason: string | null }
  | { type: 'load-failed'; requestId: number; message: string }
  | {
      type: 'frame';
      stamp: number;
      state: LatentState;
      width: number;
      height: number;
      pixels: ArrayBuffer;
      /** Wall time of the inference for this frame, in ms. */
      ms: number;
      /** The frame's latent in the map's space (app/pipeline/map-jobs.ts mapVector). */
      vector: Float32Array;
    }
  | { type: 'render-failed'; stamp: number; message: string }
  /** The worker holds its life lock (client.ts watches it to notice the worker's end). */
  | { type: 'alive' }
  /** The GPUDevice the runtime used was lost (driver reset, destroyed): WebGPU cannot go on in this worker. */
  | { type: 'device-lost'; message: string }
  | { type: 'job-item'; jobId: string; item: unknown }
  | { type: 'job-done'; jobId: string; cancelled: boolean }
  | { type: 'job-failed'; jobId: string; message: string };
