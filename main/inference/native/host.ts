/**
 * The native inference process: the only module of the studio that imports onnxruntime-node. It
 * runs as a Node child process (`child_process.fork`, for the CLI and the browser host) or as an
 * Electron utility process, reads a model package from disk by its validated manifest, and runs
 * its graphs for one client (client.ts) over the messages of protocol.ts, one request at a time.
 *
 * Built to dist/native/host.cjs by scripts/build.mjs; onnxruntime-node stays an external module.
 */
import * as ort from 'onnxruntime-node';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Feeds, GraphRunner } from '../../../app/inference';
import { createOrtRunner, type OrtModuleLike } from '../../../app/ort-runner';
import { readManifest } from '../../services/library';
import type { FromNative, NativeOpenOptions, NativeProvider, ToNative } from './protocol';
import { providerCandidates, sessionOptions } from './providers';

/** Electron's utility-process port (absent in a Node child process). */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: FromNative): void {
  if (parentPort) parentPort.postMessage(message);
  else if (process.send) process.send(message);
  else throw new Error('the native inference host must be started by fork() or utilityProcess.fork()');
}

// A GPU provider the build lists but cannot load logs an error line of its own before its session
// fails; that failure is reported to the client as `fallbackReason`, so only fatal logs remain.
ort.env.logLevel = 'fatal';

let runner: GraphRunner | null = null;

interface Opened {
  runner: GraphRunner;
  modelId: string;
  provider: NativeProvider;
  fallbackReason: string | null;
}

async function open(dir: string, options: NativeOpenOptions): Promise<Opened> {
  if (runner) throw new Error('this inference process already holds a model: start another process for another model');
  const manifest = await readManifest(dir);
  const loadFile = async (file: string) => new Uint8Array(await fs.readFile(path.join(dir, file)));
  const failures: string[] = [];
  const candidates = providerCandidates(ort.listSupportedBackends(), options);
  for (const provider of candidates) {
    try {
      const opened = await createOrtRunner(ort as unknown as OrtModuleLike, manifest, {
        backend: 'native',
        sessionOptions: sessionOptions(provider, options.numThreads),
        loadFile,
      });
      return { runner: opened, modelId: manifest.id, provider, fallbackReason: failures.length ? failures.join('; ') : null };
    } catch (error) {
      // CPU is the last candidate: its error is the model's. A GPU provider's failure is not
      // swallowed: it travels back as the fallback reason of the runner that replaces it.
      if (provider === 'cpu') throw error;
      failures.push(`${provider}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no execution provider could open ${dir} (${failures.join('; ')})`);
}

/** Feeds arrive by structured clone; anything but Float32Array data is refused before the runtime. */
function checkFeedTypes(feeds: Feeds): void {
  for (const [name, tensor] of Object.entries(feeds)) {
    if (!(tensor?.data instanceof Float32Array) || !Array.isArray(tensor.dims)) {
      throw new TypeError(`input "${name}" must be { data: Float32Array, dims: number[] }`);
    }
  }
}

async function handle(message: ToNative): Promise<FromNative> {
  switch (message.type) {
    case 'open': {
      const opened = await open(message.dir, message.options);
      runner = opened.runner;
      return { type: 'opened', id: message.id, modelId: opened.modelId, provider: opened.provider, fallbackReason: opened.fallbackReason };
    }
    case 'run': {
      if (!runner) throw new Error('no model is open in the native inference process');
      checkFeedTypes(message.feeds);
      return { type: 'result', id: message.id, outputs: await runner.run(message.graph, message.feeds) };
    }
  }
}

// One request at a time, in arrival order: sessions are not re-entrant and the client waits anyway.
let queue: Promise<void> = Promise.resolve();

function receive(message: ToNative): void {
  queue = queue.then(async () => {
    try {
      send(await handle(message));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      send({ type: 'failed', id: message.id, name: e.name, message: e.message });
    }
  });
}

if (parentPort) parentPort.on('message', (event) => receive(event.data as ToNative));
else process.on('message', (message) => receive(message as ToNative));
// The parent's end of a fork channel closing means the studio went away: do not outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', onnxruntime: ort.env.versions.node ?? ort.env.versions.common, supported: ort.listSupportedBackends().map((b) => b.name) });
