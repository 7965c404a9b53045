/**
 * A {@link GraphRunner} over any onnxruntime JavaScript API (onnxruntime-web in the renderer's
 * worker or in Node, onnxruntime-node in the native process). The owning module passes its own
 * `ort` object in, so app/ never imports a runtime and each runtime keeps exactly one owner.
 */
import type { Backend, Feeds, GraphRunner, Tensor } from '../inference/runner';
import type { Manifest } from '../model/manifest';
import { checkFeeds } from '../inference/feeds';

/** The slice of onnxruntime's tensor class the runner uses. */
export interface OrtTensorLike {
  readonly dims: readonly number[];
  readonly type: string;
  /** Where the data lives: 'gpu-buffer' for outputs a WebGPU session was asked to keep on the GPU. */
  readonly location?: string;
  /** The GPUBuffer of a 'gpu-buffer' tensor. */
  readonly gpuBuffer?: unknown;
  getData(): Promise<unknown>;
  dispose(): void;
}

/** The slice of an onnxruntime InferenceSession the runner uses. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/** The slice of an onnxruntime module the runner uses. */
export interface OrtModuleLike {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSessionLike> };
}

/** How the owner creates sessions. */
export interface OrtRunnerOptions {
  backend: Backend;
  sessionOptions: object;
  /** Bytes of a package file, by name (fetched, streamed or read from disk by the owner). */
  loadFile(file: string): Promise<Uint8Array>;
  /** Counts device-to-CPU copies of outputs kept on the GPU (the worker's no-readback trace). */
  stats?: OrtRunnerStats;
}

/** What a runner counts while it runs. */
export interface OrtRunnerStats {
  /** Outputs that lived in GPU buffers and were copied to the CPU by {@link GraphRunner.run}. */
  deviceReadbacks: number;
}

/** An output left where the runtime put it (a GPU buffer on WebGPU); its owner must dispose it. */
export interface DeviceOutput {
  readonly dims: readonly number[];
  /** The runtime's GPUBuffer holding the output, as float32 in NCHW order. */
  readonly gpuBuffer: unknown;
  dispose(): void;
}

/** A runner that can also hand one output over without copying it to the CPU. */
export interface OrtGraphRunner extends GraphRunner {
  /** Run `graph` and return its output `name` as the runtime holds it; the other outputs are released. */
  runOnDevice(graph: string, feeds: Feeds, name: string): Promise<DeviceOutput>;
}

/** Raised when a graph's declared inputs/outputs disagree with the manifest. */
export class GraphMismatchError extends Error {
  override readonly name = 'GraphMismatchError';
}

/**
 * Create sessions for every graph of `manifest` and return a runner. Sessions whose input/output
 * names differ from the manifest are refused before any run. On failure, already created sessions
 * are released.
 */
export async function createOrtRunner(ort: OrtModuleLike, manifest: Manifest, options: OrtRunnerOptions): Promise<OrtGraphRunner> {
  const sessions = new Map<string, OrtSessionLike>();
  try {
    for (const [key, spec] of Object.entries(manifest.graphs)) {
      const bytes = await options.loadFile(spec.file);
      const session = await ort.InferenceSession.create(bytes, options.sessionOptions);
      sessions.set(key, session);
      for (const name of spec.inputs) {
        if (!session.inputNames.includes(name)) {
          throw new GraphMismatchError(`${spec.file} has no input "${name}" (it has: ${session.inputNames.join(', ')})`);
        }
      }
      for (const name of spec.outputs) {
        if (!session.outputNames.includes(name)) {
          throw new GraphMismatchError(`${spec.file} has no output "${name}" (it has: ${session.outputNames.join(', ')})`);
        }
      }
    }
  } catch (error) {
    await Promise.all([...sessions.values()].map((s) => s.release()));
    throw error;
  }

  let disposed = false;

  /** Check and run one graph; the caller owns (and disposes) the returned outputs. */
  async function runRaw(graph: string, feeds: Feeds): Promise<{ spec: (typeof manifest.graphs)[string]; outputs: Record<string, OrtTensorLike> }> {
    if (disposed) throw new Error('this model was unloaded');
    const session = sessions.get(graph);
    const spec = manifest.graphs[graph];
    if (!session || !spec) throw new Error(`model "${manifest.id}" has no graph "${graph}"`);
    checkFeeds(manifest, graph, feeds);
    const inputs: Record<string, OrtTensorLike> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.dims);
    try {
      const outputs = await session.run(inputs);
      for (const name of spec.outputs) {
        const out = outputs[name];
        if (!out) {
          for (const t of Object.values(outputs)) t.dispose();
          throw new GraphMismatchError(`${spec.file} returned no "${name}"`);
        }
        if (out.type !== 'float32') {
          for (const t of Object.values(outputs)) t.dispose();
          throw new GraphMismatchError(`${spec.file} output "${name}" is ${out.type}, expected float32`);
        }
      }
      return { spec, outputs };
    } finally {
      for (const t of Object.values(inputs)) t.dispose();
    }
  }

  return {
    backend: options.backend,
    async run(graph: string, feeds: Feeds): Promise<Feeds> {
      const { spec, outputs } = await runRaw(graph, feeds);
      try {
        const result: Record<string, Tensor> = {};
        for (const name of spec.outputs) {
          const out = outputs[name]!;
          if (out.location === 'gpu-buffer' && options.stats) options.stats.deviceReadbacks += 1;
          // Copy: the runtime may reuse or release its buffer once the tensor is disposed.
          result[name] = { data: new Float32Array((await out.getData()) as Float32Array), dims: [...out.dims] };
        }
        return result;
      } finally {
        for (const t of Object.values(outputs)) t.dispose();
      }
    },
    async runOnDevice(graph: string, feeds: Feeds, name: string): Promise<DeviceOutput> {
      const { outputs } = await runRaw(graph, feeds);
      const kept = outputs[name];
      for (const [key, t] of Object.entries(outputs)) if (key !== name) t.dispose();
      if (!kept) throw new GraphMismatchError(`model "${manifest.id}" graph "${graph}" has no output "${name}"`);
      if (kept.location !== 'gpu-buffer' || !kept.gpuBuffer) {
        kept.dispose();
        throw new Error(`output "${name}" of graph "${graph}" is not in a GPU buffer (location ${kept.location ?? 'cpu'}): the session was not made with preferredOutputLocation 'gpu-buffer'`);
      }
      return { dims: [...kept.dims], gpuBuffer: kept.gpuBuffer, dispose: () => kept.dispose() };
    },
    async dispose() {
      disposed = true;
      await Promise.all([...sessions.values()].map((s) => s.release()));
      sessions.clear();
    },
  };
}
