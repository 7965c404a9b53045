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
export async function createOrtRunner(ort: OrtModuleLike, manifest: Manifest, options: OrtRunnerOptions): Promise<GraphRunner> {
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
  return {
    backend: options.backend,
    async run(graph: string, feeds: Feeds): Promise<Feeds> {
      if (disposed) throw new Error('this model was unloaded');
      const session = sessions.get(graph);
      const spec = manifest.graphs[graph];
      if (!session || !spec) throw new Error(`model "${manifest.id}" has no graph "${graph}"`);
      checkFeeds(manifest, graph, feeds);
      const inputs: Record<string, OrtTensorLike> = {};
      for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.dims);
      let outputs: Record<string, OrtTensorLike> = {};
      try {
        outputs = await session.run(inputs);
        const result: Record<string, Tensor> = {};
        for (const name of spec.outputs) {
          const out = outputs[name];
          if (!out) throw new GraphMismatchError(`${spec.file} returned no "${name}"`);
          if (out.type !== 'float32') throw new GraphMismatchError(`${spec.file} output "${name}" is ${out.type}, expected float32`);
          // Copy: the runtime may reuse or release its buffer once the tensor is disposed.
          result[name] = { data: new Float32Array((await out.getData()) as Float32Array), dims: [...out.dims] };
        }
        return result;
      } finally {
        for (const t of Object.values(inputs)) t.dispose();
        for (const t of Object.values(outputs)) t.dispose();
      }
    },
    async dispose() {
      disposed = true;
      await Promise.all([...sessions.values()].map((s) => s.release()));
      sessions.clear();
    },
  };
}
