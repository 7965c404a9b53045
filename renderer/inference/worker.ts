/**
 * The renderer's inference worker: the only module of the renderer that imports onnxruntime-web.
 * It picks the backend (WebGPU first; the host's native runtime where WebGPU has no adapter; WASM
 * everywhere), loads a model's graphs, and renders frames one at a time with the latest request
 * winning (app/jobs/scheduler.ts). On native, the graphs run in a host process reached over a
 * MessagePort the client hands over (desktop app) or a WebSocket (browser host); everything above
 * the GraphRunner is the same. Export's image-to-image stages run here too, on the model's GPU
 * runtime (WASM when the model runs natively, since the native host holds only the generator).
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { Backend, BackendPreference, GraphRunner } from '../../app/inference/runner';
import { createOrtRunner, type OrtGraphRunner, type OrtModuleLike, type OrtRunnerStats } from '../../app/runtime/ort-runner';
import { createPipeline, type Pipeline } from '../../app/inference/render';
import { loadNoiseConst } from '../../app/inference/synthesis-inputs';
import type { LatentState } from '../../app/state/latent-state';
import { Scheduler, type JobStep } from '../../app/jobs/scheduler';
import { JOB_HANDLERS, type JobHandler, type JobRequest } from '../../app/jobs/registry';
import { mapVector } from '../../app/jobs/map-jobs';
import { graphsJobsRead } from '../../app/jobs/direction-jobs';
import { nonFiniteError } from '../../app/inference/finite';
import { createGpuPresenter, type GpuPresenter, type PresentDevice } from './gpu-present';
import { probeCanvasPresentation } from './present-probe';
import { checkPackageGraphs, readOnnxInfo, type OnnxInfo } from '../../app/model/onnx';
import { modelBaseUrl, modelFileUrl } from '../../app/contract/routes';
import { checkStageGraph, STAGE_GRAPH } from '../../app/model/stage-manifest';
import type { StageRef, StageSession } from '../../app/inference/stages';
import { createOrtStage } from '../../app/runtime/ort-stage';
import { NativeConnection, nativeGraphRunner, portEndpoint, type NativeGraphRunner } from '../../app/runtime/native-runner';
import { effectivePreference, needsWebgpuProbe, planBackends, type LostBackends } from './backend-choice';
import type { FrameTrace, FromWorker, ModelRef, NativeCarrier, ToWorker } from './protocol';
import { BlendPreview } from './blend-preview';
import { openSocketRunner } from './native-socket';
import { choosePrecision, withPrecision, type Precision, type PrecisionPreference } from '../../app/inference/precision';

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated: boolean;
  navigator: Navigator & { gpu?: { requestAdapter(): Promise<{ features?: { has(name: string): boolean } } | null>; getPreferredCanvasFormat(): string } };
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
/** Draws WebGPU frames without readback; null on other backends or where it could not start. */
let presenter: GpuPresenter | null = null;
/** Why WebGPU frames take the readback path for the loaded model, or null. */
let gpuPathOff: string | null = null;
/** The worker's runners count GPU outputs they copy to the CPU here. */
const stats: OrtRunnerStats = { deviceReadbacks: 0 };
/** Whether the loaded model's WebGPU frames may stay on the GPU (the load message's `gpuFrames`). */
let gpuPathAsked = true;
/** Whether WebGPU can draw to a canvas here (null) or why not: probed once, before onnxruntime's device exists. */
let presentationProbe: Promise<string | null> | null = null;
/** Whether WebGPU sessions opened now keep their image output on the GPU: asked for, and the probe passed. */
let gpuResident = false;

/** Whether the adapter last probed offers `shader-f16`, which the model's float16 twins need. */
let adapterShaderF16 = false;

async function webgpuUnavailableReason(): Promise<string | null> {
  adapterShaderF16 = false;
  if (!scope.navigator.gpu) return 'this browser has no WebGPU';
  try {
    const adapter = await scope.navigator.gpu.requestAdapter();
    adapterShaderF16 = adapter?.features?.has('shader-f16') ?? false;
    return adapter ? null : 'no WebGPU adapter is available';
  } catch (error) {
    return `WebGPU adapter request failed: ${(error as Error).message}`;
  }
}

async function fetchFile(ref: ModelRef, file: string): Promise<Uint8Array> {
  const response = await fetch(new URL(modelFileUrl(ref.baseUrl, file), scope.location.origin), { headers: ref.headers });
  if (!response.ok) throw new Error(`could not fetch ${file} of model "${ref.id}" (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Fetch every graph of the model and check what it declares against the manifest — input and
 * output names, ranks and dims (checkPackageGraphs) — before any session exists, so a model whose
 * manifest lies is refused with the reason instead of failing somewhere inside a run.
 */
async function fetchCheckedGraphs(ref: ModelRef, fetched?: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const infos: Record<string, OnnxInfo> = {};
  for (const [key, spec] of Object.entries(ref.manifest.graphs)) {
    const bytes = fetched?.get(spec.file) ?? (await fetchFile(ref, spec.file));
    infos[key] = readOnnxInfo(bytes, spec.file);
    files.set(spec.file, bytes);
  }
  const problems = checkPackageGraphs(ref.manifest, infos);
  if (problems.length > 0) throw new Error(`its graphs do not match its manifest: ${problems.join(' ')}`);
  return files;
}

/** The open model's files that jobs have read (or that loading kept for them), fetched once per model. */
let packageFiles = new Map<string, Promise<Uint8Array>>();

/** A file of the open model's package, for jobs: from the cache, else fetched once and kept. */
function readPackageFile(file: string): Promise<Uint8Array> {
  const ref = model;
  if (!ref) return Promise.reject(new Error('no model is loaded'));
  let bytes = packageFiles.get(file);
  if (!bytes) {
    bytes = fetchFile(ref, file);
    const cache = packageFiles;
    // A failed fetch is not kept, so the next job tries again; the job itself still sees the error.
    bytes.then(undefined, () => cache.delete(file));
    cache.set(file, bytes);
  }
  return bytes;
}

/** Stage sessions by stage id and graph sha256, for the loaded model's runtime; dropped on every load. */
let stageCache = new Map<string, Promise<StageSession>>();

async function openStage(ref: ModelRef, stage: StageRef, backend: Backend): Promise<StageSession> {
  const spec = stage.manifest.graphs[STAGE_GRAPH]!;
  const bytes = await fetchFile({ ...ref, id: stage.id, baseUrl: modelBaseUrl(stage.id) }, spec.file);
  const problems = checkStageGraph(stage.manifest, readOnnxInfo(bytes, spec.file));
  if (problems.length > 0) throw new Error(`the stage "${stage.manifest.name}" does not match its manifest: ${problems.join(' ')}`);
  return createOrtStage(ort as unknown as OrtModuleLike, stage.manifest, bytes, { executionProviders: [backend === 'webgpu' ? 'webgpu' : 'wasm'], graphOptimizationLevel: 'all' });
}

/** The sessions of a stage chain, opened once per stage and model load. */
function openStages(refs: readonly StageRef[]): Promise<StageSession[]> {
  const ref = model;
  const backend = runner?.backend;
  if (!ref || !backend) return Promise.reject(new Error('no model is loaded'));
  const cache = stageCache;
  return Promise.all(
    refs.map((stage) => {
      const key = `${stage.id}:${stage.manifest.files[stage.manifest.graphs[STAGE_GRAPH]!.file]?.sha256 ?? ''}`;
      let session = cache.get(key);
      if (!session) {
        session = openStage(ref, stage, backend);
        // A stage that failed to open is not kept, so the next export tries again.
        session.then(undefined, () => cache.delete(key));
        cache.set(key, session);
      }
      return session;
    }),
  );
}

async function disposeStages(): Promise<void> {
  const sessions = [...stageCache.values()];
  stageCache = new Map();
  for (const session of await Promise.allSettled(sessions)) if (session.status === 'fulfilled') await session.value.dispose();
}

async function open(ref: ModelRef, backend: Backend, graphs: Map<string, Uint8Array>, extraOptions: object = {}): Promise<GraphRunner> {
  const providers = backend === 'webgpu' ? ['webgpu'] : ['wasm'];
  // On WebGPU the image output stays in its GPU buffer: the preview draws from it there, and
  // jobs that need bytes read it back (counted in stats).
  const location = backend === 'webgpu' && gpuResident ? { preferredOutputLocation: { img: 'gpu-buffer' } } : {};
  return createOrtRunner(ort as unknown as OrtModuleLike, ref.manifest, {
    backend,
    sessionOptions: { executionProviders: providers, graphOptimizationLevel: 'all', ...location, ...extraOptions },
    loadFile: async (file) => graphs.get(file) ?? fetchFile(ref, file),
    stats,
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

/**
 * Open the model on WebGPU: its float16 twins where they pay (app/inference/precision.ts), checked
 * like any graph; else, or when the twins fail to open, its float32 graphs, with the reason kept.
 */
async function openWebgpu(ref: ModelRef, graphs: Map<string, Uint8Array>, preference: PrecisionPreference, reasons: string[]): Promise<{ runner: GraphRunner; precision: Precision }> {
  if (choosePrecision(ref.manifest, { backend: 'webgpu', shaderF16: adapterShaderF16, preference }) === 'fp16') {
    const half = { ...ref, manifest: withPrecision(ref.manifest, 'fp16') };
    try {
      // onnxruntime's CPU constant folder has no float16 kernels and warns once per foldable node
      // of a twin (on the console, as errors): expected, so only real errors are logged.
      return { runner: await open(half, 'webgpu', await fetchCheckedGraphs(half, graphs), { logSeverityLevel: 3 }), precision: 'fp16' };
    } catch (error) {
      reasons.push(`the float16 graphs could not run on WebGPU, so the float32 ones do: ${(error as Error).message}`);
    }
  }
  return { runner: await open(ref, 'webgpu', graphs), precision: 'fp32' };
}

type NativePort = Extract<ToWorker, { type: 'native-port' }>;

/** Loads waiting for the client's answer to `native-wanted`, by request id. */
const nativeAnswers = new Map<number, (answer: NativePort) => void>();

/**
 * Ask the client for a port to a native host holding `ref`'s model (the host process reads the
 * package from disk itself) and run the model through it.
 */
async function openNative(ref: ModelRef, requestId: number, carrier: NativeCarrier): Promise<NativeGraphRunner> {
  if (carrier === 'socket') return openSocketRunner(scope.location.origin, ref, (message) => scope.postMessage({ type: 'native-lost', message }));
  const answer = await new Promise<NativePort>((resolve) => {
    nativeAnswers.set(requestId, resolve);
    scope.postMessage({ type: 'native-wanted', requestId, modelId: ref.id });
  });
  if ('error' in answer) throw new Error(answer.error);
  const { port } = answer;
  return nativeGraphRunner(new NativeConnection(portEndpoint(port)), ref.manifest, answer, async () => port.close());
}

interface LoadResult {
  backend: Backend;
  precision: Precision;
  provider: NativeGraphRunner['provider'] | null;
  fallbackReason: string | null;
}

async function load(ref: ModelRef, preference: BackendPreference, carrier: NativeCarrier | null, lost: LostBackends, requestId: number, precisionAsked: PrecisionPreference, gpuFrames: boolean): Promise<LoadResult> {
  await disposeStages();
  await runner?.dispose();
  gpuPathAsked = gpuFrames;
  presenter?.destroy();
  presenter = null;
  gpuPathOff = null;
  runner = null;
  pipeline = null;
  model = null;
  warmup = null;
  packageFiles = new Map();
  // Checked on every runtime, native included, so a package whose manifest lies fails the same way.
  const graphs = await fetchCheckedGraphs(ref);
  const kept = new Map<string, Promise<Uint8Array>>();
  for (const file of graphsJobsRead(ref.manifest)) {
    const bytes = graphs.get(file);
    if (bytes) kept.set(file, Promise.resolve(bytes));
  }
  // A package's const noise (noise inputs only) is read once per model, like its graphs.
  const noiseConst = await loadNoiseConst(ref.manifest, (file) => fetchFile(ref, file));
  const asked = effectivePreference(preference, lost);
  const plan = planBackends(asked, carrier !== null && lost.native === null, needsWebgpuProbe(asked) ? await webgpuUnavailableReason() : null);
  const reasons = plan.reason ? [plan.reason] : [];
  let native: NativeGraphRunner | null = null;
  // A probe that loses the GPU must do so before onnxruntime's device exists (present-probe.ts).
  if (gpuPathAsked && plan.order.includes('webgpu') && scope.navigator.gpu) {
    const gpu = scope.navigator.gpu as unknown as Parameters<typeof probeCanvasPresentation>[0];
    presentationProbe ??= probeCanvasPresentation(gpu).catch((error: Error) => `the canvas probe failed: ${error.message}`);
    gpuResident = (await presentationProbe) === null;
  } else gpuResident = false;
  let precision: Precision = 'fp32';
  for (const backend of plan.order) {
    if (backend === 'wasm') break;
    try {
      if (backend === 'native') runner = native = await openNative(ref, requestId, carrier!);
      else ({ runner, precision } = await openWebgpu(ref, graphs, precisionAsked, reasons));
      break;
    } catch (error) {
      reasons.push(`${backend === 'webgpu' ? 'WebGPU' : 'the native runtime'} could not run this model: ${(error as Error).message}`);
    }
  }
  // WASM runs everywhere: the last resort, whose error is the model's.
  runner ??= await open(ref, 'wasm', graphs);
  if (runner.backend === 'webgpu') {
    await watchDevice();
    await startPresenter(ref);
  }
  if (native?.fallbackReason) reasons.push(`native GPU providers unused: ${native.fallbackReason}`);
  model = ref;
  packageFiles = kept;
  pipeline = createPipeline(runner, ref.manifest, noiseConst);
  if (runner.backend === 'wasm') warmup = { armed: true, leftMs: WARMUP_BUDGET_MS, state: null, stamp: 0 };
  return { backend: runner.backend, precision, provider: native?.provider ?? null, fallbackReason: lost.gpu ?? lost.native ?? (asked === 'wasm' || reasons.length === 0 ? null : reasons.join('; ')) };
}

/** Start the GPU path for the WebGPU model just loaded; where it cannot start, say why and keep readback. */
async function startPresenter(ref: ModelRef): Promise<void> {
  if (!gpuPathAsked) {
    gpuPathOff = 'turned off by ?present=cpu';
    return;
  }
  const unsupported = await presentationProbe;
  if (unsupported) {
    gpuPathOff = `GPU-resident frames are off: ${unsupported}`;
    return;
  }
  try {
    const device = (await gpuDevice()) as unknown as PresentDevice | undefined;
    const format = scope.navigator.gpu?.getPreferredCanvasFormat();
    if (!device || !format) throw new Error('the runtime has no GPUDevice');
    presenter = createGpuPresenter(device, format, ref.manifest.output_range);
  } catch (error) {
    gpuPathOff = `GPU-resident frames are off: ${(error as Error).message}`;
  }
}

function trace(path: FrameTrace['path']): FrameTrace {
  return { path, deviceReadbacks: stats.deviceReadbacks, gpuPathOff };
}

/**
 * One preview frame on the GPU: the image graph's output stays in its GPU buffer, the presenter
 * draws it there, and the frame leaves as an ImageBitmap. Only the presenter's 4-byte count of
 * non-finite values comes back to the CPU.
 */
async function renderOnGpu(stamp: number, state: LatentState, ref: ModelRef, gpu: GpuPresenter, run: OrtGraphRunner, frames: Pipeline): Promise<void> {
  const started = performance.now();
  const rendered = await frames.renderWith(state, async (graph, feeds) => {
    const output = await run.runOnDevice(graph, feeds, 'img');
    try {
      const presented = await gpu.present(output.gpuBuffer, output.dims);
      if (presented.nonFinite === 0) return presented.bitmap;
      presented.bitmap.close();
      throw nonFiniteError(ref.manifest.name, presented.nonFinite, output.dims.reduce((a, b) => a * b, 1));
    } finally {
      output.dispose();
    }
  });
  const bitmap = rendered.image;
  const ms = performance.now() - started;
  const vector = mapVector(rendered);
  scope.postMessage(
    { type: 'frame', stamp, state, width: bitmap.width, height: bitmap.height, pixels: null, bitmap, trace: trace('gpu'), ms, vector },
    [bitmap, vector.buffer],
  );
}

async function renderFrame({ stamp, state }: { stamp: number; state: LatentState }): Promise<void> {
  if (!pipeline || !model || !runner) {
    scope.postMessage({ type: 'render-failed', stamp, message: 'no model is loaded' });
    return;
  }
  try {
    if (presenter) {
      await renderOnGpu(stamp, state, model, presenter, runner as OrtGraphRunner, pipeline);
      return;
    }
    const started = performance.now();
    // Pixels, checked finite: converted in the native process where the model runs there.
    const rendered = await pipeline.renderPixels(state);
    const rgba = rendered.image;
    const ms = performance.now() - started;
    // Pixels from the native socket are a view into the frame they came in; the client takes a whole buffer.
    const whole = rgba.data.byteOffset === 0 && rgba.data.byteLength === rgba.data.buffer.byteLength;
    const pixels = (whole ? rgba.data.buffer : rgba.data.slice().buffer) as ArrayBuffer;
    // The latent map draws the current latent from this (a few hundred floats, no extra inference).
    const vector = mapVector(rendered);
    scope.postMessage(
      { type: 'frame', stamp, state, width: rgba.width, height: rgba.height, pixels, bitmap: null, trace: trace('cpu'), ms, vector },
      [pixels, vector.buffer],
    );
    if (warmup) {
      warmup.state = state;
      warmup.stamp = stamp;
      if (warmup.armed) {
        warmup.armed = false;
        queue.enqueue(WARMUP_JOB, warmupSteps());
      }
    }
  } catch (error) {
    scope.postMessage({ type: 'render-failed', stamp, message: (error as Error).message });
  }
}

const queue = new Scheduler(renderFrame);

// The Blend dialog's preview runs between frames (exclusive, so never beside another run) on WASM,
// where a session per request is cheap; the newest waiting request is the one served.
const blendPreview = new BlendPreview(
  (manifest, files) =>
    createOrtRunner(ort as unknown as OrtModuleLike, manifest, {
      backend: 'wasm',
      sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
      loadFile: async (file) => files.get(file) ?? Promise.reject(new Error(`${file} is not in the blended package`)),
    }),
  fetchFile,
);
let waitingPreview: Extract<ToWorker, { type: 'blend-preview' }> | null = null;

function servePreview(message: Extract<ToWorker, { type: 'blend-preview' }>): void {
  const idle = waitingPreview === null;
  waitingPreview = message;
  if (!idle) return;
  void queue.exclusive(async () => {
    const next = waitingPreview!;
    waitingPreview = null;
    try {
      const { a, b, blend, ms } = await blendPreview.render(next.request);
      scope.postMessage({ type: 'blend-preview', stamp: next.stamp, a, b, blend, ms }, [a.pixels, b.pixels, blend.pixels]);
    } catch (error) {
      scope.postMessage({ type: 'blend-preview-failed', stamp: next.stamp, message: (error as Error).message });
    }
  });
}

/**
 * Warm-up after a model loads on WASM. V8 runs WebAssembly with its baseline compiler first and
 * swaps in optimised code once a function has been hot for a while: the first seconds of WASM
 * frames ran 3–4× slower (docs/PERFORMANCE.md). So, between the first frame and the user's next
 * request, the worker renders the current state again, unseen — a background job, which every
 * preview request goes before — until this much inference time has been spent. The next preview
 * request ends it. Skipped on WebGPU and native, which have no such tiers.
 */
const WARMUP_BUDGET_MS = 8000;
/**
 * A pass slower than this ends the warm-up: a graph this heavy calls its kernels often enough to
 * tier up within its first frames, and each pass in flight would delay a drag's frame by as much.
 */
const WARMUP_MAX_PASS_MS = 250;
/** The warm-up's job id (not a client's: no job-done is sent for it). */
const WARMUP_JOB = 'warm-up';

/** The warm-up of the loaded model: armed until its first frame, then spending `leftMs`; null when none. */
let warmup: { armed: boolean; leftMs: number; state: LatentState | null; stamp: number } | null = null;

/**
 * One pass per step at the latest frame's state. A client's job queued behind it takes the turn:
 * the warm-up hands its budget to a continuation queued behind that job.
 */
function* warmupSteps(): Generator<JobStep> {
  let handedOff = false;
  while (!handedOff && warmup && warmup.leftMs > 0) {
    yield async () => {
      const current = warmup;
      if (!current?.state || !pipeline) return;
      if (queue.queuedJobs().some((id) => id !== WARMUP_JOB)) {
        handedOff = true;
        queue.enqueue(WARMUP_JOB, warmupSteps());
        return;
      }
      const started = performance.now();
      try {
        await pipeline.render(current.state);
      } catch (error) {
        // The state rendered a moment ago; failing now is the model's fault, and the user's to see.
        current.leftMs = 0;
        scope.postMessage({ type: 'render-failed', stamp: current.stamp, message: (error as Error).message });
        return;
      }
      const ms = performance.now() - started;
      current.leftMs = ms > WARMUP_MAX_PASS_MS ? 0 : current.leftMs - ms;
      await nextTask();
    };
  }
}

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
  const context = { pipeline, runner, manifest: model.manifest, now: () => performance.now(), readFile: readPackageFile, openStages };
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
      // The user is at work: from here on their own frames warm the runtime up, and a warm-up
      // pass in flight would only delay them.
      if (warmup && !warmup.armed) warmup.leftMs = 0;
      queue.submit({ stamp: message.stamp, state: message.state });
      return;
    case 'job':
      queue.enqueue(message.jobId, jobSteps(message.jobId, message.job));
      return;
    case 'cancel-job':
      if (queue.cancel(message.jobId)) scope.postMessage({ type: 'job-done', jobId: message.jobId, cancelled: true });
      return;
    case 'blend-preview':
      servePreview(message);
      return;
    case 'blend-preview-close':
      queue.exclusive(() => blendPreview.close()).catch((error: unknown) => scope.postMessage({ type: 'blend-preview-failed', stamp: 0, message: (error as Error).message }));
      return;
    case 'destroy-gpu-device':
      void gpuDevice().then((device) => device?.destroy());
      return;
    case 'native-port':
      nativeAnswers.get(message.requestId)?.(message);
      nativeAnswers.delete(message.requestId);
      return;
    case 'load':
      break;
  }
  // A model swap waits for the frame in flight; frames and jobs asked for the old model are dropped.
  queue.clear();
  for (const jobId of queue.queuedJobs()) if (jobId !== WARMUP_JOB) scope.postMessage({ type: 'job-done', jobId, cancelled: true });
  queue.cancelAll();
  void queue.exclusive(async () => {
    try {
      const result = await load(message.model, message.preference, message.native, message.lost, message.requestId, message.precision, message.gpuFrames);
      scope.postMessage({ type: 'loaded', requestId: message.requestId, modelId: message.model.id, ...result });
    } catch (error) {
      scope.postMessage({ type: 'load-failed', requestId: message.requestId, message: (error as Error).message });
    }
  });
};
