/**
 * The renderer's inference worker: the only module of the renderer that imports onnxruntime-web.
 * It picks the backend (WebGPU first, WASM fallback), loads a model's graphs, and renders frames
 * one at a time with the latest request winning (app/pipeline/scheduler.ts).
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { Backend, BackendPreference, GraphRunner } from '../../app/inference';
import { createOrtRunner, type OrtModuleLike } from '../../app/ort-runner';
import { createPipeline, type Pipeline } from '../../app/pipeline/render';
import { tensorToRgba } from '../../app/image';
import type { LatentState } from '../../app/pipeline/state';
import { Scheduler, type JobStep } from '../../app/pipeline/scheduler';
import { JOB_HANDLERS, type JobHandler, type JobRequest } from '../../app/pipeline/jobs';
import { mapVector } from '../../app/pipeline/map-jobs';
import { checkFiniteImage } from '../../app/pipeline/finite';
import { checkPackageGraphs, readOnnxInfo, type OnnxInfo } from '../../app/model/onnx';
import type { FromWorker, ModelRef, ToWorker } from './protocol';

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated: boolean;
  navigator: Navigator & { gpu?: { requestAdapter(): Promise<unknown> } };
  location: Location;
  name: string;
};

/** The slice of a GPUDevice the worker uses (the DOM typings here carry no WebGPU). */
interface GpuDeviceLike {
  readonly lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}

// Hold a lock named after this worker for its whole life: the browser releases it only when the
// worker ends (crash, out of memory, terminate), and that release is how the client notices.
// Web Locks exist only in secure contexts (app:// and the loopback host are); without them a
// crash still shows as failed requests, just not as a restart.
void scope.navigator.locks?.request(scope.name, () => {
  scope.postMessage({ type: 'alive' });
  return new Promise<never>(() => undefined);
});

// The .wasm and its loader are served by our own host (copied at build time), never from a CDN.
ort.env.wasm.wasmPaths = `${scope.location.origin}/ort/`;
// Threads need SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP + COEP).
ort.env.wasm.numThreads = scope.crossOriginIsolated ? Math.max(1, Math.min(4, scope.navigator.hardwareConcurrency ?? 1)) : 1;

let runner: GraphRunner | null = null;
let pipeline: Pipeline | null = null;
let model: ModelRef | null = null;

async function webgpuUnavailableReason(): Promise<string | null> {
  if (!scope.navigator.gpu) return 'this browser has no WebGPU';
  try {
    const adapter = await scope.navigator.gpu.requestAdapter();
    return adapter ? null : 'no WebGPU adapter is available';
  } catch (error) {
    return `WebGPU adapter request failed: ${(error as Error).message}`;
  }
}

async function fetchFile(ref: ModelRef, file: string): Promise<Uint8Array> {
  const response = await fetch(new URL(ref.baseUrl + encodeURIComponent(file), scope.location.origin));
  if (!response.ok) throw new Error(`could not fetch ${file} of model "${ref.id}" (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Fetch every graph of the model and check what it declares against the manifest — input and
 * output names, ranks and dims (checkPackageGraphs) — before any session exists, so a model whose
 * manifest lies is refused with the reason instead of failing somewhere inside a run.
 */
async function fetchCheckedGraphs(ref: ModelRef): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const infos: Record<string, OnnxInfo> = {};
  for (const [key, spec] of Object.entries(ref.manifest.graphs)) {
    const bytes = await fetchFile(ref, spec.file);
    infos[key] = readOnnxInfo(bytes, spec.file);
    files.set(spec.file, bytes);
  }
  const problems = checkPackageGraphs(ref.manifest, infos);
  if (problems.length > 0) throw new Error(`its graphs do not match its manifest: ${problems.join(' ')}`);
  return files;
}

async function open(ref: ModelRef, backend: Backend, graphs: Map<string, Uint8Array>): Promise<GraphRunner> {
  const providers = backend === 'webgpu' ? ['webgpu'] : ['wasm'];
  return createOrtRunner(ort as unknown as OrtModuleLike, ref.manifest, {
    backend,
    sessionOptions: { executionProviders: providers, graphOptimizationLevel: 'all' },
    loadFile: async (file) => graphs.get(file) ?? fetchFile(ref, file),
  });
}

const watchedDevices = new WeakSet<GpuDeviceLike>();

/** The GPUDevice onnxruntime-web made for its WebGPU sessions, once one exists. */
async function gpuDevice(): Promise<GpuDeviceLike | undefined> {
  return (await (ort.env.webgpu as { device?: GpuDeviceLike | Promise<GpuDeviceLike> }).device) ?? undefined;
}

/** Tell the client when the runtime's GPUDevice is lost: nothing on WebGPU can run in this worker after that. */
async function watchDevice(): Promise<void> {
  const device = await gpuDevice();
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  void device.lost.then((info) => scope.postMessage({ type: 'device-lost', message: `${info.reason}: ${info.message || 'no details'}` }));
}

async function load(ref: ModelRef, preference: BackendPreference): Promise<{ backend: Backend; fallbackReason: string | null }> {
  await runner?.dispose();
  runner = null;
  pipeline = null;
  model = null;
  let fallbackReason: string | null = null;
  const graphs = await fetchCheckedGraphs(ref);
  if (preference === 'auto' || preference === 'webgpu') {
    fallbackReason = await webgpuUnavailableReason();
    if (!fallbackReason) {
      try {
        runner = await open(ref, 'webgpu', graphs);
        await watchDevice();
      } catch (error) {
        fallbackReason = `WebGPU could not run this model: ${(error as Error).message}`;
      }
    }
  }
  runner ??= await open(ref, 'wasm', graphs);
  model = ref;
  pipeline = createPipeline(runner, ref.manifest);
  return { backend: runner.backend, fallbackReason: preference === 'wasm' ? null : fallbackReason };
}

async function renderFrame({ stamp, state }: { stamp: number; state: LatentState }): Promise<void> {
  if (!pipeline || !model) {
    scope.postMessage({ type: 'render-failed', stamp, message: 'no model is loaded' });
    return;
  }
  try {
    const started = performance.now();
    const rendered = await pipeline.render(state);
    checkFiniteImage(rendered.image, model.manifest.name);
    const rgba = tensorToRgba(rendered.image, model.manifest.output_range);
    const ms = performance.now() - started;
    const pixels = rgba.data.buffer as ArrayBuffer;
    // The latent map draws the current latent from this (a few hundred floats, no extra inference).
    const vector = mapVector(rendered);
    scope.postMessage({ type: 'frame', stamp, state, width: rgba.width, height: rgba.height, pixels, ms, vector }, [pixels, vector.buffer]);
  } catch (error) {
    scope.postMessage({ type: 'render-failed', stamp, message: (error as Error).message });
  }
}

const queue = new Scheduler(renderFrame);

/** Typed arrays inside a job item, handed over to the main thread instead of copied. */
function transferables(item: unknown, found: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(item)) found.push(item.buffer as ArrayBuffer);
  else if (item && typeof item === 'object') for (const value of Object.values(item)) transferables(value, found);
  return found;
}

/**
 * Resolves in a new task, after the messages already queued for this worker. A job step's runs can
 * settle in microtasks alone (WASM), so without this a long job would hold the event loop: a newer
 * preview request or a cancel could not arrive until the job ended. A MessageChannel, not
 * setTimeout, since nested timers are clamped to 4 ms each.
 */
const tick = new MessageChannel();
const waiting: (() => void)[] = [];
tick.port1.onmessage = () => waiting.shift()?.();
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    tick.port2.postMessage(null);
  });
}

/** Wrap a job's steps: stream its items, report failure once, and say when it is done. */
function* jobSteps(jobId: string, job: JobRequest): Generator<JobStep> {
  if (!pipeline || !model || !runner) {
    yield async () => scope.postMessage({ type: 'job-failed', jobId, message: 'no model is loaded' });
    return;
  }
  const handler = JOB_HANDLERS[job.kind] as JobHandler<typeof job.kind>;
  const emit = (item: unknown) => scope.postMessage({ type: 'job-item', jobId, item }, transferables(item));
  const context = { pipeline, runner, manifest: model.manifest, now: () => performance.now() };
  let failed = false;
  for (const step of handler(job.params as never, context, emit)) {
    yield async () => {
      if (failed) return;
      try {
        await step();
      } catch (error) {
        failed = true;
        scope.postMessage({ type: 'job-failed', jobId, message: (error as Error).message });
      }
      await nextTask();
    };
    if (failed) return;
  }
  yield async () => scope.postMessage({ type: 'job-done', jobId, cancelled: false });
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'render':
      queue.submit({ stamp: message.stamp, state: message.state });
      return;
    case 'job':
      queue.enqueue(message.jobId, jobSteps(message.jobId, message.job));
      return;
    case 'cancel-job':
      if (queue.cancel(message.jobId)) scope.postMessage({ type: 'job-done', jobId: message.jobId, cancelled: true });
      return;
    case 'destroy-gpu-device':
      void gpuDevice().then((device) => device?.destroy());
      return;
    case 'load':
      break;
  }
  // A model swap waits for the frame in flight; frames and jobs asked for the old model are dropped.
  queue.clear();
  for (const jobId of queue.queuedJobs()) scope.postMessage({ type: 'job-done', jobId, cancelled: true });
  queue.cancelAll();
  void queue.exclusive(async () => {
    try {
      const result = await load(message.model, message.preference);
      scope.postMessage({ type: 'loaded', requestId: message.requestId, modelId: message.model.id, ...result });
    } catch (error) {
      scope.postMessage({ type: 'load-failed', requestId: message.requestId, message: (error as Error).message });
    }
  });
};
