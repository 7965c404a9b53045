/**
 * The native inference host (main/inference/native/host.ts) as an Electron utility process: the
 * same messages as the Node child process of the CLI and the browser host, sent with the utility
 * process's structured-clone `postMessage`, so `openNativeRunner` works unchanged on top of it.
 */
import { utilityProcess } from 'electron';
import type { FromNative, NativeChannelFactory, ToNative } from '../inference/native/protocol';

/**
 * Start `entry` (the built dist/native/host.cjs) in a utility process. Call only after the app's
 * `ready` event (Electron's rule for `utilityProcess.fork`).
 */
export function utilityChannel(entry: string): NativeChannelFactory {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Latent Studio inference', stdio: 'inherit' });
    const exitListeners: ((detail: string) => void)[] = [];
    let exited: string | null = null;
    let fatal = '';
    // A V8 fatal error is reported before the exit; keep its location for the exit message.
    child.on('error', (type, location) => (fatal = `; ${type} at ${location}`));
    child.on('exit', (code) => {
      exited = `exit code ${code}${fatal}`;
      for (const listener of exitListeners) listener(exited);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message: ToNative) => child.postMessage(message),
      onMessage: (listener) => child.on('message', (message: unknown) => listener(message as FromNative)),
      onExit: (listener) => {
        if (exited !== null) listener(exited);
        else exitListeners.push(listener);
      },
      kill: () => void child.kill(),
    };
  };
}
