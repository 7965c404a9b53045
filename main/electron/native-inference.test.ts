/**
 * The desktop app's native path without Electron: NativeServing opens the fixture in a host whose
 * request handling is the real one (serve.ts over onnxruntime-node, as host.ts runs it), hands the
 * window one end of a worker_threads MessageChannel, and the page's runner (app/runtime/native-runner.ts,
 * as the inference worker builds it) renders through that port — checked against the PyTorch
 * reference that made the fixture. The process boundary itself is covered by
 * main/inference/native/client.test.ts; here the "process" lives in this one.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NATIVE_ENDED_MESSAGE, NATIVE_PORT_MESSAGE, type FromNative } from '../../app/contract/native';
import { NativeConnection, nativeGraphRunner, portEndpoint, type MessagePortLike } from '../../app/runtime/native-runner';
import type { Manifest } from '../../app/model/manifest';
import { ShapeError } from '../../app/inference/feeds';
import { createPipeline } from '../../app/inference/render';
import { latentState } from '../../app/state/latent-state';
import { createNativeHost, type NativeOrt } from '../inference/native/serve';
import { readManifest } from '../services/library';
import { NativeServing, type PortChannel, type PortTarget } from './native-inference';

vi.mock('electron', () => ({ utilityProcess: {} }));

const DIR = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
const reference = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as {
  tolerance: number;
  cases: { seed: number; psi: number; pixels: { c: number; y: number; x: number; value: number }[]; img_max: number }[];
};

/** host.ts in this process: the real request handling, a parent channel, handed ports; `crash()` ends it as a kill would. */
function inProcessHost(): PortChannel<MessagePort> & { crash(): void; killed: boolean } {
  const host = createNativeHost(ort as unknown as NativeOrt);
  const parent = host.carrier();
  const listeners: ((message: FromNative) => void)[] = [];
  const exitListeners: ((detail: string) => void)[] = [];
  const ports: MessagePort[] = [];
  let exited: string | null = null;
  const end = (detail: string) => {
    if (exited !== null) return;
    exited = detail;
    for (const port of ports) port.close();
    for (const listener of exitListeners) listener(detail);
  };
  const deliver = (message: FromNative) => exited === null && listeners.forEach((listener) => listener(message));
  setImmediate(() => deliver({ type: 'ready', onnxruntime: 'in-process', supported: [] }));
  const channel = {
    pid: undefined,
    killed: false,
    // Cloned, as every real carrier does: the host keeps what it received (KeptFeeds).
    send: (message: Parameters<PortChannel<MessagePort>['send']>[0]) => exited === null && parent.receive(structuredClone(message), deliver),
    onMessage: (listener: (message: FromNative) => void) => void listeners.push(listener),
    onExit: (listener: (detail: string) => void) => (exited !== null ? listener(exited) : void exitListeners.push(listener)),
    kill: () => {
      channel.killed = true;
      end('killed');
    },
    connect: (port: MessagePort) => {
      ports.push(port);
      const carrier = host.carrier();
      port.on('message', (message) => carrier.receive(message, (answer) => exited === null && port.postMessage(answer)));
    },
    crash: () => end('signal SIGKILL'),
  };
  return channel;
}

interface Sent {
  channel: string;
  message: Record<string, unknown>;
  transfer: MessagePort[];
}

/** A window: records what the main process posts to it. */
function fakeWindow(id: number) {
  const sent: Sent[] = [];
  const destroyed: (() => void)[] = [];
  let gone = false;
  const target: PortTarget<MessagePort> = {
    id,
    postMessage: (channel, message, transfer = []) => void sent.push({ channel, message: message as Record<string, unknown>, transfer }),
    isDestroyed: () => gone,
    once: (_event, listener) => void destroyed.push(listener),
  };
  return { target, sent, destroy: () => ((gone = true), destroyed.forEach((listener) => listener())) };
}

let manifest: Manifest;
let hosts: ReturnType<typeof inProcessHost>[];
let serving: NativeServing<MessagePort>;

beforeAll(async () => {
  // As host.ts does: the listed-but-missing CUDA provider's own error log is reported as fallbackReason instead.
  ort.env.logLevel = 'fatal';
  manifest = await readManifest(DIR);
});

function newServing(): void {
  hosts = [];
  serving = new NativeServing<MessagePort>({
    locate: (modelId) => {
      if (modelId !== manifest.id) throw new Error(`model "${modelId}" is not in the library`);
      return { dir: DIR, manifest };
    },
    start: () => {
      const host = inProcessHost();
      hosts.push(host);
      return host;
    },
    ports: () => new MessageChannel(),
    numThreads: 1,
  });
}

/** The page's side: the runner the inference worker builds on the port it was handed. */
function pageRunner(sent: Sent, served: { provider: 'cpu'; fallbackReason: string | null }) {
  const port = sent.transfer[0]!;
  return nativeGraphRunner(new NativeConnection(portEndpoint(port as unknown as MessagePortLike)), manifest, served, async () => port.close());
}

afterEach(async () => {
  for (const id of [1, 2]) await serving?.close(id);
});

describe('native serving over a MessagePort', () => {
  it('hands the window a port to a host holding the model, whose frames match PyTorch', async () => {
    newServing();
    const window = fakeWindow(1);
    const opened = await serving.open(manifest.id, window.target);
    expect(opened.provider).toBe('cpu');
    expect(window.sent).toHaveLength(1);
    expect(window.sent[0]).toMatchObject({ channel: NATIVE_PORT_MESSAGE, message: { modelId: manifest.id, portId: opened.portId } });
    expect(window.sent[0]!.transfer).toHaveLength(1);

    const runner = pageRunner(window.sent[0]!, { provider: 'cpu', fallbackReason: opened.fallbackReason });
    expect(runner.backend).toBe('native');
    const pipeline = createPipeline(runner, manifest);
    for (const ref of reference.cases) {
      const { image } = await pipeline.render(latentState({ seed: ref.seed, psi: ref.psi }));
      expect(image.dims).toEqual([1, 3, 32, 32]);
      for (const p of ref.pixels) expect(Math.abs(image.data[p.c * 32 * 32 + p.y * 32 + p.x]! - p.value)).toBeLessThan(reference.tolerance);
      expect(Math.abs(Math.max(...image.data) - ref.img_max)).toBeLessThan(reference.tolerance);
    }
    await runner.dispose();
  });

  it('carries errors over the port with their class name, and checks shapes before sending', async () => {
    newServing();
    const window = fakeWindow(1);
    const opened = await serving.open(manifest.id, window.target);
    const runner = pageRunner(window.sent[0]!, { provider: 'cpu', fallbackReason: opened.fallbackReason });
    await expect(runner.run('synthesis', { ws: { data: new Float32Array(64), dims: [1, 64] } })).rejects.toThrow(ShapeError);
    // Past the page's check, the host's own refusal comes back by name.
    const connection = new NativeConnection(portEndpoint(window.sent[0]!.transfer[0] as unknown as MessagePortLike));
    await expect(connection.request({ type: 'run', graph: 'synthesis', feeds: { ws: { data: [1, 2] as unknown as Float32Array, dims: [1, 2] } } })).rejects.toMatchObject({
      name: 'TypeError',
      message: expect.stringMatching(/input "ws" must be/),
    });
    await expect(connection.request({ type: 'open', dir: DIR, options: { numThreads: 1, providers: 'cpu' } })).rejects.toThrow(/already holds a model/);
  });

  it('keeps one host per window: a new model ends the old host; a closed window ends its host', async () => {
    newServing();
    const window = fakeWindow(1);
    await serving.open(manifest.id, window.target);
    await serving.open(manifest.id, window.target);
    expect(hosts.map((h) => h.killed)).toEqual([true, false]);
    window.destroy();
    await vi.waitFor(() => expect(hosts[1]!.killed).toBe(true));
  });

  it('tells the window when its host ends on its own, and fails the port runner', async () => {
    newServing();
    const window = fakeWindow(2);
    const opened = await serving.open(manifest.id, window.target);
    const runner = pageRunner(window.sent[0]!, { provider: 'cpu', fallbackReason: null });
    hosts[0]!.crash();
    await vi.waitFor(() => expect(window.sent.map((s) => s.channel)).toContain(NATIVE_ENDED_MESSAGE));
    expect(window.sent[1]!.message).toMatchObject({ modelId: manifest.id, portId: opened.portId, message: expect.stringMatching(/ended unexpectedly \(signal SIGKILL\)/) });
    await runner.dispose();
  });

  it('refuses a model it cannot locate, and the window gets no port', async () => {
    newServing();
    const window = fakeWindow(1);
    await expect(serving.open('no-such-model', window.target)).rejects.toThrow(/not in the library/);
    expect(window.sent).toEqual([]);
    expect(hosts).toEqual([]);
  });
});
