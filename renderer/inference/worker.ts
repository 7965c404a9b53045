/**
 * The renderer's inference worker: the only module of the renderer that imports onnxruntime-web.
 * It picks the backend (WebGPU first, WASM fallback), loads a model's graphs, and renders frames
 * one at a time with the latest request winning (app/pipeline/latest.ts).
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { Backend, BackendPreference, GraphRunner } from '../../app/inference';
import { createOrtRunner, type OrtModuleLike } from '../../app/ort-runner';
import { createPipeline, type Pipeline } from '../../app/pipeline/render';
import { tensorToRgba } from '../../app/image';
import type { LatentState } from '../../app/pipeline/state';
import { LatestWins } from '../../app/pipeline/latest';
import type { FromWorker, ModelRef, ToWorker } from './protocol';

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated: boolean;
  navigator: Navigator & { gpu?: { requestAdapter(): Promise<unknown> } };
  location: Location;
};

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

async function open(ref: ModelRef, backend: Backend): Promise<GraphRunner> {
  const providers = backend === 'webgpu' ? ['webgpu'] : ['wasm'];
  return createOrtRunner(ort as unknown as OrtModuleLike, ref.manifest, {
    backend,
    sessionOptions: { executionProviders: providers, graphOptimizationLevel: 'all' },
    loadFile: (file) => fetchFile(ref, file),
  });
}

async function load(ref: ModelRef, preference: BackendPreference): Promise<{ backend: Backend; fallbackReason: string | null }> {
  await runner?.dispose();
  runner = null;
  pipeline = null;
  model = null;
  let fallbackReason: string | null = null;
  if (preference === 'auto' || preference === 'webgpu') {
    fallbackReason = await webgpuUnavailableReason();
    if (!fallbackReason) {
      try {
        runner = await open(ref, 'webgpu');
      } catch (error) {
        fallbackReason = `WebGPU could not run this model: ${(error as Error).message}`;
      }
    }
  }
  runner ??= await open(ref, 'wasm');
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
    const { image } = await pipeline.render(state);
    const rgba = tensorToRgba(image, model.manifest.output_range);
    const ms = performance.now() - started;
    const pixels = rgba.data.buffer as ArrayBuffer;
    scope.postMessage({ type: 'frame', stamp, state, width: rgba.width, height: rgba.height, pixels, ms }, [pixels]);
  } catch (error) {
    scope.postMessage({ type: 'render-failed', stamp, message: (error as Error).message });
  }
}

const frames = new LatestWins(renderFrame);

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'render') {
    frames.submit({ stamp: message.stamp, state: message.state });
    return;
  }
  // A model swap waits for the frame in flight; frames asked for the old model are dropped.
  frames.clear();
  void frames.exclusive(async () => {
    try {
      const result = await load(message.model, message.preference);
      scope.postMessage({ type: 'loaded', requestId: message.requestId, modelId: message.model.id, ...result });
    } catch (error) {
      scope.postMessage({ type: 'load-failed', requestId: message.requestId, message: (error as Error).message });
    }
  });
};
