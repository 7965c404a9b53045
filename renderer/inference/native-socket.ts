/**
 * The browser host's native runtime as the inference worker reaches it: a WebSocket to the host
 * (main/web/native-socket.ts), which opens the model in an onnxruntime-node process of its own and
 * relays this socket's runs to it. The same messages and client bookkeeping as the desktop app's
 * MessagePort (app/runtime/native-runner.ts), as native-wire.ts frames. Frames go worker ↔ host
 * directly; the page's main thread never sees them.
 */
import { decodeFromHost, encodeNativeMessage, joinParts } from '../../app/contract/native-wire';
import type { FromNative } from '../../app/contract/native';
import { HOST_TOKEN_HEADER, nativeSocketUrl } from '../../app/contract/routes';
import { NativeConnection, nativeGraphRunner, type NativeGraphRunner } from '../../app/runtime/native-runner';
import type { ModelRef } from './protocol';

/** Why a socket closed, for the user: the host's reason where it gave one. */
function closedReason(event: CloseEvent): string {
  return event.reason || `the connection to the studio host closed (code ${event.code})`;
}

/**
 * Open `ref`'s model in a native process of the browser host at `origin`. Resolves once the host
 * has opened it; rejects with the host's reason when it cannot. `onLost` is called once if the
 * process (or the connection) ends while the model is open: every pending and later run then fails.
 */
export function openSocketRunner(origin: string, ref: ModelRef, onLost: (message: string) => void): Promise<NativeGraphRunner> {
  const token = ref.headers[HOST_TOKEN_HEADER] ?? '';
  const socket = new WebSocket(nativeSocketUrl(origin, ref.id, token));
  socket.binaryType = 'arraybuffer';
  const listeners: ((message: FromNative) => void)[] = [];
  const connection = new NativeConnection({
    send: (message) => socket.send(joinParts(encodeNativeMessage(message))),
    onMessage: (listener) => listeners.push(listener),
  });
  let releasing = false;

  return new Promise<NativeGraphRunner>((resolve, reject) => {
    let opened = false;
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer>) => {
      let message: FromNative;
      try {
        message = decodeFromHost(new Uint8Array(event.data));
      } catch (error) {
        socket.close(1002, 'bad frame');
        connection.end(error as Error);
        if (!opened) reject(error as Error);
        return;
      }
      // The host's first message, unasked: the model is open (or why not).
      if (!opened && (message.type === 'opened' || message.type === 'failed') && message.id === 0) {
        if (message.type === 'failed') return reject(new Error(message.message));
        opened = true;
        const release = async () => {
          releasing = true;
          socket.close(1000, 'unloaded');
        };
        resolve(nativeGraphRunner(connection, ref.manifest, message, release));
        return;
      }
      for (const listener of listeners) listener(message);
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      const reason = closedReason(event);
      connection.end(new Error(reason));
      if (!opened) reject(new Error(event.code === 1006 ? 'the studio host refused the native socket or could not be reached' : reason));
      else if (!releasing) onLost(reason);
    });
  });
}
