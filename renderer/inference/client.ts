/**
 * Main-thread side of the inference worker: typed load/render calls. Every render request is
 * stamped; frames older than the newest one shown are dropped, so the preview never steps back.
 */
import type { Precision, PrecisionPreference } from '../../app/inference/precision';
import type { Backend, BackendPreference } from '../../app/inference/runner';
import type { LostBackends } from './backend-choice';
import type { LatentState } from '../../app/state/latent-state';
import type { NativeProvider } from '../../app/contract/native';
import type { NativeBridge } from './native';
import type { BlendPreviewRequest, FrameTrace, FromWorker, ModelRef, PreviewImage, ToWorker } from './protocol';
import type { JobItem, JobKind, JobRequest, JobTypes } from '../../app/jobs/registry';

/** A frame ready to draw. */
export interface Frame {
  stamp: number;
  state: LatentState;
  /** Bytes (readback path) or a GPU-drawn bitmap (WebGPU's GPU-resident path). */
  image: ImageData | ImageBitmap;
  ms: number;
  /** The frame's latent in the map's space (mean ws row, or z). */
  vector: Float32Array;
  trace: FrameTrace;
}

/** Result of loading a model. */
export interface Loaded {
  backend: Backend;
  /** The native execution provider (cpu, cuda, …) when `backend` is native, else null. */
  provider: NativeProvider | null;
  fallbackReason: string | null;
  /** fp16 when the model's float16 twins were loaded (WebGPU with shader-f16), else fp32. */
  precision: Precision;
}

/** The Blend dialog's three pictures and how long the blend took to build and render, in ms. */
export interface BlendPreviewImages {
  a: ImageData;
  b: ImageData;
  blend: ImageData;
  ms: number;
}

/** A background batch render in progress. */
export interface BatchJob {
  jobId: string;
  /** Resolves when every image arrived (cancelled: false) or the job was cancelled; rejects on failure. */
  done: Promise<{ cancelled: boolean }>;
  cancel(): void;
}

interface JobHandlers {
  onItem: (item: unknown) => void;
  resolve: (result: { cancelled: boolean }) => void;
  reject: (error: Error) => void;
}

/** A fault that stopped the worker's runtime: the worker died, its GPU device was lost, or its native process ended. */
export interface WorkerFault {
  kind: 'crashed' | 'device-lost' | 'native-lost';
  message: string;
}

/** Raised for requests that were in flight when the worker stopped; the studio restarts it and asks again. */
export class WorkerStoppedError extends Error {
  override readonly name = 'WorkerStoppedError';
}

let nextWorker = 1;

/**
 * Owns the inference worker for the lifetime of the studio (dispose() terminates it). A worker that
 * dies — crashed, killed, out of memory — is noticed through a Web Lock it holds for its whole life:
 * the lock is released only when the worker ends, so the client's own request for it is granted
 * exactly then. That, or a lost GPU device, is reported to `onFault`; the studio then calls
 * {@link restart} and loads the model again.
 */
export class InferenceClient {
  private worker!: Worker;
  /** The current worker's name, which is also the name of the lock it holds. */
  private workerName = '';
  /** Lock names of workers this client ended on purpose: their release is no fault. */
  private retired = new Set<string>();
  private nextStamp = 1;
  private nextRequest = 1;
  private lastShown = 0;
  private nextJob = 1;
  private jobs = new Map<string, JobHandlers>();
  private loads = new Map<number, { resolve: (l: Loaded) => void; reject: (e: Error) => void }>();
  /** The port id of the native process serving the current worker, if any. */
  private nativePortId: string | null = null;
  private preview: { stamp: number; resolve: (images: BlendPreviewImages | null) => void; reject: (error: Error) => void } | null = null;

  /**
   * @param native the host's native runtime: the desktop app's bridge (ports), 'socket' for the
   * browser host's (the worker opens it itself), or null where there is none.
   */
  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onRenderError: (message: string) => void,
    private readonly onFault: (fault: WorkerFault) => void = () => undefined,
    private readonly native: NativeBridge | 'socket' | null = null,
  ) {
    this.spawn();
    // The worker would wait for the dead process's answers forever: treat it as a stopped worker.
    if (native !== 'socket') native?.onEnded((portId, message) => {
      if (portId !== this.nativePortId) return;
      this.nativePortId = null;
      this.fail(new WorkerStoppedError(`the native inference process ended (${message})`));
      this.onFault({ kind: 'native-lost', message });
    });
  }

  private spawn(): void {
    // The worker's name is its lock's name (see worker.ts): unique per worker in this window.
    const name = `latent-studio-inference-${Date.now().toString(36)}-${nextWorker++}`;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      if (event.data.type === 'alive') this.watch(name);
      else this.receive(event.data);
    };
    worker.onerror = (event) => this.onRenderError(`The inference worker failed: ${event.message || 'unknown error'}`);
    this.worker = worker;
    this.workerName = name;
  }

  /** Be told when the worker holding lock `name` ends; unless this client ended it, that is a crash. */
  private watch(name: string): void {
    void navigator.locks?.request(name, () => {
      if (this.retired.delete(name)) return;
      this.fail(new WorkerStoppedError('the inference worker stopped unexpectedly'));
      this.onFault({ kind: 'crashed', message: 'the inference worker stopped unexpectedly' });
    });
  }

  /** Reject everything in flight: its answers will never come. */
  private fail(error: Error): void {
    for (const { reject } of this.loads.values()) reject(error);
    for (const { reject } of this.jobs.values()) reject(error);
    this.loads.clear();
    this.jobs.clear();
  }

  /**
   * Replace the worker with a fresh one (after a fault): the old one is ended, whatever was in
   * flight is rejected with {@link WorkerStoppedError}. The caller loads the model again.
   */
  restart(): void {
    this.nativePortId = null;
    this.retired.add(this.workerName);
    this.worker.terminate();
    this.fail(new WorkerStoppedError('the inference worker was restarted'));
    this.spawn();
  }

  /** Test hook: end the real worker as a crash would, without telling this client. */
  crashForTest(): void {
    this.worker.terminate();
  }

  /** Test hook: destroy the worker's real GPUDevice, as a driver reset would. */
  loseGpuDeviceForTest(): void {
    this.post({ type: 'destroy-gpu-device' });
  }

  /**
   * Load a model into the worker (replacing the current one). `allowNative: false` keeps the
   * native runtime out of the worker's choice (after its process died).
   */
  load(model: ModelRef, preference: BackendPreference, lost: LostBackends, precision: PrecisionPreference = 'auto'): Promise<Loaded> {
    const requestId = this.nextRequest++;
    // `?present=cpu` keeps WebGPU frames on the readback path (the bench's "before", a way out if a driver misdraws).
    const gpuFrames = new URLSearchParams(window.location.search).get('present') !== 'cpu';
    this.post({ type: 'load', requestId, model, preference, native: this.native === null ? null : this.native === 'socket' ? 'socket' : 'port', lost, precision, gpuFrames });
    return new Promise((resolve, reject) => this.loads.set(requestId, { resolve, reject }));
  }

  /** Ask for a frame of `state`; returns its stamp. Only the newest request is guaranteed a frame. */
  render(state: LatentState): number {
    const stamp = this.nextStamp++;
    this.post({ type: 'render', stamp, state: structuredClone(state) });
    return stamp;
  }

  /**
   * Start a background job (app/jobs/registry.ts): its items arrive in order through `onItem`; the
   * preview keeps priority but never drops a job's steps.
   */
  runJob<K extends JobKind>(job: { kind: K; params: JobTypes[K]['params'] }, onItem: (item: JobItem<K>) => void): BatchJob {
    const jobId = `job-${this.nextJob++}`;
    const done = new Promise<{ cancelled: boolean }>((resolve, reject) =>
      this.jobs.set(jobId, { onItem: onItem as (item: unknown) => void, resolve, reject }),
    );
    this.post({ type: 'job', jobId, job: job as JobRequest });
    return { jobId, done, cancel: () => this.post({ type: 'cancel-job', jobId }) };
  }

  /**
   * Render the Blend dialog's preview (parents A and B and their blend, one seed). Resolves null
   * when a newer preview request replaced this one before the worker got to it.
   */
  blendPreview(request: BlendPreviewRequest): Promise<BlendPreviewImages | null> {
    const stamp = this.nextStamp++;
    this.preview?.resolve(null);
    const answer = new Promise<BlendPreviewImages | null>((resolve, reject) => (this.preview = { stamp, resolve, reject }));
    this.post({ type: 'blend-preview', stamp, request: structuredClone(request) });
    return answer;
  }

  /** The Blend dialog closed: the worker lets the parents go. */
  closeBlendPreview(): void {
    this.preview?.resolve(null);
    this.preview = null;
    this.post({ type: 'blend-preview-close' });
  }

  /** Render `states` in the background; images arrive in order as ImageData. */
  renderBatch(states: LatentState[], onImage: (index: number, image: ImageData, ms: number) => void): BatchJob {
    return this.runJob({ kind: 'render-batch', params: { states } }, ({ index, image, ms }) =>
      onImage(index, new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), ms),
    );
  }

  /** Terminate the worker. */
  dispose(): void {
    this.retired.add(this.workerName);
    this.worker.terminate();
    this.fail(new Error('the studio closed the inference worker'));
  }

  private post(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** The worker chose the native runtime: ask the host for a port and hand it over. */
  private openNative(requestId: number, modelId: string): void {
    const worker = this.worker;
    const answer = (message: ToWorker, transfer: Transferable[] = []) => {
      // A worker replaced meanwhile is gone with its load; the port closes with it.
      if (this.worker === worker) this.post(message, transfer);
    };
    if (!this.native || this.native === 'socket') {
      answer({ type: 'native-port', requestId, error: 'this host hands out no native ports' });
      return;
    }
    this.native.open(modelId).then(
      ({ port, provider, fallbackReason, portId }) => {
        if (this.worker === worker) this.nativePortId = portId;
        answer({ type: 'native-port', requestId, port, provider, fallbackReason }, [port]);
      },
      (error: unknown) => answer({ type: 'native-port', requestId, error: (error as Error).message }),
    );
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'loaded':
      case 'load-failed': {
        const waiting = this.loads.get(message.requestId);
        this.loads.delete(message.requestId);
        // A process this worker no longer uses may end without it being a fault.
        if (message.type === 'load-failed' || message.backend !== 'native') this.nativePortId = null;
        if (message.type === 'loaded') waiting?.resolve({ backend: message.backend, provider: message.provider, fallbackReason: message.fallbackReason, precision: message.precision });
        else waiting?.reject(new Error(message.message));
        break;
      }
      case 'frame': {
        if (message.stamp < this.lastShown) {
          message.bitmap?.close(); // stale: a newer frame is already on screen
          return;
        }
        this.lastShown = message.stamp;
        const image = message.bitmap ?? new ImageData(new Uint8ClampedArray(message.pixels!), message.width, message.height);
        this.onFrame({ stamp: message.stamp, state: message.state, image, ms: message.ms, vector: message.vector, trace: message.trace });
        break;
      }
      case 'native-wanted':
        this.openNative(message.requestId, message.modelId);
        break;
      case 'job-item':
        this.jobs.get(message.jobId)?.onItem(message.item);
        break;
      case 'job-done':
      case 'job-failed': {
        const job = this.jobs.get(message.jobId);
        this.jobs.delete(message.jobId);
        if (message.type === 'job-done') job?.resolve({ cancelled: message.cancelled });
        else job?.reject(new Error(message.message));
        break;
      }
      case 'blend-preview':
      case 'blend-preview-failed': {
        const waiting = this.preview?.stamp === message.stamp ? this.preview : null;
        if (message.type === 'blend-preview-failed' && !waiting) {
          if (message.stamp === 0) this.onRenderError(message.message);
          break;
        }
        if (!waiting) break;
        this.preview = null;
        if (message.type === 'blend-preview-failed') waiting.reject(new Error(message.message));
        else {
          const image = (p: PreviewImage) => new ImageData(new Uint8ClampedArray(p.pixels), p.width, p.height);
          waiting.resolve({ a: image(message.a), b: image(message.b), blend: image(message.blend), ms: message.ms });
        }
        break;
      }
      case 'render-failed':
        if (message.stamp >= this.lastShown) this.onRenderError(message.message);
        break;
      case 'device-lost':
        this.fail(new WorkerStoppedError(`the GPU device was lost (${message.message})`));
        this.onFault({ kind: 'device-lost', message: message.message });
        break;
      case 'native-lost':
        this.fail(new WorkerStoppedError(`the native inference process ended (${message.message})`));
        this.onFault({ kind: 'native-lost', message: message.message });
        break;
    }
  }
}
