/**
 * What the native inference process does with a request, apart from how requests reach it: open
 * one model package from disk with onnxruntime-node, run its graphs, one request at a time in
 * arrival order, whichever carrier (the parent channel, a handed MessagePort) each came on.
 * host.ts wires it to its process; tests drive it in-process over worker_threads ports.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Feeds, GraphRunner } from '../../../app/inference/runner';
import { createOrtRunner, type OrtModuleLike } from '../../../app/runtime/ort-runner';
import { readManifest } from '../../services/library';
import { withPrecision } from '../../../app/inference/precision';
import { tensorToRgba } from '../../../app/inference/image';
import { checkFiniteImage } from '../../../app/inference/finite';
import type { FromNative, NativeOpenOptions, NativeProvider, ToNative } from './protocol';
import { KeptFeeds } from '../../../app/runtime/native-runner';
import { providerCandidates, sessionOptions, type SupportedBackend } from './providers';

/** The part of onnxruntime-node the host uses. */
export interface NativeOrt extends OrtModuleLike {
  listSupportedBackends(): SupportedBackend[];
}

/** One carrier's requests to a host (the parent channel, or one handed port). */
export interface NativeCarrier {
  /** Handle `message` after every request received before it, on any carrier; its answer goes to `reply`. */
  receive(message: ToNative, reply: (answer: FromNative) => void): void;
}

/** A host's request handling. */
export interface NativeHost {
  /**
   * A carrier of its own: the inputs a request names `kept` are the ones this carrier sent before
   * (app/runtime/native-runner.ts, KeptFeeds), so each carrier needs one.
   */
  carrier(): NativeCarrier;
}

interface Opened {
  runner: GraphRunner;
  modelId: string;
  modelName: string;
  provider: NativeProvider;
  fallbackReason: string | null;
}

/** Feeds arrive by structured clone; anything but Float32Array data is refused before the runtime. */
function checkFeedTypes(feeds: Feeds): void {
  for (const [name, tensor] of Object.entries(feeds)) {
    if (!(tensor?.data instanceof Float32Array) || !Array.isArray(tensor.dims)) {
      throw new TypeError(`input "${name}" must be { data: Float32Array, dims: number[] }`);
    }
  }
}

/** A host over `ort` that holds at most one model for its whole life. */
export function createNativeHost(ort: NativeOrt): NativeHost {
  let runner: GraphRunner | null = null;
  let modelName = '';

  async function open(dir: string, options: NativeOpenOptions): Promise<Opened> {
    if (runner) throw new Error('this inference process already holds a model: start another process for another model');
    const manifest = withPrecision(await readManifest(dir), options.precision === 'fp16' ? 'fp16' : 'fp32');
    const loadFile = async (file: string) => new Uint8Array(await fs.readFile(path.join(dir, file)));
    const failures: string[] = [];
    for (const provider of providerCandidates(ort.listSupportedBackends(), options)) {
      try {
        const opened = await createOrtRunner(ort, manifest, { backend: 'native', sessionOptions: sessionOptions(provider, options.numThreads), loadFile });
        return { runner: opened, modelId: manifest.id, modelName: manifest.name, provider, fallbackReason: failures.length ? failures.join('; ') : null };
      } catch (error) {
        // CPU is the last candidate: its error is the model's. A GPU provider's failure is not
        // swallowed: it travels back as the fallback reason of the runner that replaces it.
        if (provider === 'cpu') throw error;
        failures.push(`${provider}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no execution provider could open ${dir} (${failures.join('; ')})`);
  }

  async function handle(message: ToNative, kept: KeptFeeds): Promise<FromNative> {
    switch (message.type) {
      case 'open': {
        const opened = await open(message.dir, message.options);
        runner = opened.runner;
        modelName = opened.modelName;
        return { type: 'opened', id: message.id, modelId: opened.modelId, provider: opened.provider, fallbackReason: opened.fallbackReason };
      }
      case 'run': {
        if (!runner) throw new Error('no model is open in the native inference process');
        checkFeedTypes(message.feeds);
        return { type: 'result', id: message.id, outputs: await runner.run(message.graph, kept.merge(message.graph, message.feeds, message.kept)) };
      }
      case 'run-pixels': {
        if (!runner) throw new Error('no model is open in the native inference process');
        checkFeedTypes(message.feeds);
        const outputs = await runner.run(message.graph, kept.merge(message.graph, message.feeds, message.kept));
        const image = outputs[message.output];
        if (!image) throw new Error(`graph "${message.graph}" has no output "${message.output}"`);
        // Checked here, where the floats are, with the error every runtime's frames fail with.
        checkFiniteImage(image, modelName);
        const { width, height, data } = tensorToRgba(image, message.range);
        return { type: 'pixels', id: message.id, width, height, data };
      }
    }
  }

  // One request at a time, in arrival order across carriers: sessions are not re-entrant.
  let queue: Promise<void> = Promise.resolve();
  return {
    carrier() {
      const kept = new KeptFeeds();
      return {
        receive(message, reply) {
          queue = queue.then(async () => {
            let answer: FromNative;
            try {
              answer = await handle(message, kept);
            } catch (error) {
              const e = error instanceof Error ? error : new Error(String(error));
              answer = { type: 'failed', id: message.id, name: e.name, message: e.message };
            }
            reply(answer);
          });
        },
      };
    },
  };
}
