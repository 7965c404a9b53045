/**
 * The carriers between a native inference client and the process that owns onnxruntime-node
 * (host.ts). The messages themselves are the contract's (app/contract/native.ts) and the
 * request/answer bookkeeping over them is app/runtime/native-runner.ts, so the renderer's inference
 * worker (over a MessagePort) and the Node clients here (over a child process's channel) share them.
 */
import type { FromNative, ToNative } from '../../../app/contract/native';

export type { FromNative, NativeOpenOptions, NativeProvider, ToNative } from '../../../app/contract/native';

/**
 * Sent by the process that started the host on its parent channel, with MessagePorts attached
 * (Electron: `utilityProcess.postMessage(message, [port])`): the host answers requests arriving on
 * each port on that port, as it answers those of its parent channel.
 */
export interface ConnectPorts {
  type: 'connect';
}

/** One end of the message channel to a host process, whatever kind of process it is. */
export interface NativeChannel {
  /** Operating-system process id (diagnostics, crash tests). */
  readonly pid: number | undefined;
  send(message: ToNative): void;
  onMessage(listener: (message: FromNative) => void): void;
  /** Called once when the process has ended, for whatever reason; `detail` says how ("code 1", "signal SIGKILL"). */
  onExit(listener: (detail: string) => void): void;
  /** End the process now. */
  kill(): void;
}

/** Starts a host process and returns its channel. */
export type NativeChannelFactory = () => NativeChannel;
