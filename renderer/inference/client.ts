/**
 * Main-thread side of the inference worker: typed load/render calls. Every render request is
 * stamped; frames older than the newest one shown are dropped, so the preview never steps back.
 */
import type { Backend, BackendPreference } from '../../app/inference';
import type { LatentState } from '../../app/pipeline/state';
import type { FromWorker, ModelRef, ToWorker } from './protocol';
import type { JobItem, JobKind, JobRequest, JobTypes } from '../../app/pipeline/jobs';

/** A frame ready to draw. */
export interface Frame {
  stamp: number;
  state: LatentState;
  image: ImageData;
  ms: number;
}

/** Result of loading a model. */
export interface Loaded {
  backend: Backend;
  fallbackReason: string | null;
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

/** Owns the inference worker for the lifetime of the studio (dispose() terminates it). */
export class InferenceClient {
  private readonly worker: Worker;
  private nextStamp = 1;
  private nextRequest = 1;
  private lastShown = 0;
  private nextJob = 1;
  private jobs = new Map<string, JobHandlers>();
  private loads = new Map<number, { resolve: (l: Loaded) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onRenderError: (message: string) => void,
  ) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'inference' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => this.onRenderError(`The inference worker failed: ${event.message || 'unknown error'}`);
  }

  /** Load a model into the worker (replacing the current one). */
  load(model: ModelRef, preference: BackendPreference): Promise<Loaded> {
    const requestId = this.nextRequest++;
    this.post({ type: 'load', requestId, model, preference });
    return new Promise((resolve, reject) => this.loads.set(requestId, { resolve, reject }));
  }

  /** Ask for a frame of `state`; returns its stamp. Only the newest request is guaranteed a frame. */
  render(state: LatentState): number {
    const stamp = this.nextStamp++;
    this.post({ type: 'render', stamp, state: structuredClone(state) });
    return stamp;
  }

  /**
   * Start a background job (app/pipeline/jobs.ts): its items arrive in order through `onItem`; the
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

  /** Render `states` in the background; images arrive in order as ImageData. */
  renderBatch(states: LatentState[], onImage: (index: number, image: ImageData, ms: number) => void): BatchJob {
    return this.runJob({ kind: 'render-batch', params: { states } }, ({ index, image, ms }) =>
      onImage(index, new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), ms),
    );
  }

  /** Terminate the worker. */
  dispose(): void {
    this.worker.terminate();
    const closed = new Error('the studio closed the inference worker');
    for (const { reject } of this.loads.values()) reject(closed);
    for (const { reject } of this.jobs.values()) reject(closed);
    this.loads.clear();
    this.jobs.clear();
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'loaded':
      case 'load-failed': {
        const waiting = this.loads.get(message.requestId);
        this.loads.delete(message.requestId);
        if (message.type === 'loaded') waiting?.resolve({ backend: message.backend, fallbackReason: message.fallbackReason });
        else waiting?.reject(new Error(message.message));
        break;
      }
      case 'frame': {
        if (message.stamp < this.lastShown) return; // stale: a newer frame is already on screen
        this.lastShown = message.stamp;
        const image = new ImageData(new Uint8ClampedArray(message.pixels), message.width, message.height);
        this.onFrame({ stamp: message.stamp, state: message.state, image, ms: message.ms });
        break;
      }
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
      case 'render-failed':
        if (message.stamp >= this.lastShown) this.onRenderError(message.message);
        break;
    }
  }
}
