/**
 * The native inference process: the only module of the studio that imports onnxruntime-node. It
 * runs as a Node child process (`child_process.fork`: the CLI, the bench) or as an Electron utility
 * process, and serves one model (serve.ts) to its parent over the messages of
 * app/runtime/native-runner.ts — and, in Electron, to the renderer's inference worker directly, over the
 * MessagePorts its parent hands it (`{ type: 'connect' }` with ports attached), so preview frames
 * never pass through the main process.
 *
 * Built to dist/native/host.cjs by scripts/build.mjs; onnxruntime-node stays an external module.
 */
import * as ort from 'onnxruntime-node';
import type { ConnectPorts, FromNative, ToNative } from './protocol';
import { createNativeHost, type NativeOrt } from './serve';

/** Electron's MessagePortMain: an event emitter whose events carry `data`. */
interface PortMain {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
  start(): void;
}

/** Electron's utility-process port (absent in a Node child process). */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports?: PortMain[] }) => void): void;
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

const host = createNativeHost(ort as unknown as NativeOrt);

/** Answer the requests that arrive on a handed port on that port. */
function serve(port: PortMain): void {
  const carrier = host.carrier();
  port.on('message', (event) => carrier.receive(event.data as ToNative, (answer) => port.postMessage(answer)));
  port.start();
}

const parent = host.carrier();
if (parentPort) {
  parentPort.on('message', (event) => {
    const message = event.data as ToNative | ConnectPorts;
    if (message.type === 'connect') for (const port of event.ports ?? []) serve(port);
    else parent.receive(message, send);
  });
} else {
  process.on('message', (message) => parent.receive(message as ToNative, send));
}
// The parent's end of a fork channel closing means the studio went away: do not outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', onnxruntime: ort.env.versions.node ?? ort.env.versions.common, supported: ort.listSupportedBackends().map((b) => b.name) });
