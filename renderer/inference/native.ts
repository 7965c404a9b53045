/**
 * The desktop app's native runtime as the page reaches it: ask the host to open a model in a
 * native process (`openNative`), receive the MessagePort to that process (the preload passes it on
 * as a window message), and hear when such a process ended on its own. The port goes on to the
 * inference worker (client.ts); frames never pass through this thread.
 */
import { NATIVE_ENDED_MESSAGE, NATIVE_PORT_MESSAGE } from '../../app/contract/native';
import type { NativeProvider } from '../../app/contract/native';
import type { HostCapabilities } from '../../app/contract/capabilities';
import { getHost } from '../platform/host';

/** A native host holding the model, reached through `port`. */
export interface NativeOpened {
  port: MessagePort;
  provider: NativeProvider;
  fallbackReason: string | null;
  /** Names this port in {@link NativeBridge.onEnded}. */
  portId: string;
}

/** The native runtime of the host the page runs in. */
export interface NativeBridge {
  open(modelId: string): Promise<NativeOpened>;
  /** Be told when the process behind the port `portId` ended on its own (crash, kill, out of memory). */
  onEnded(listener: (portId: string, message: string) => void): void;
}

function field(data: unknown, name: string): string | null {
  const value = data && typeof data === 'object' ? (data as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : null;
}

/** The bridge to the host's native runtime, or null where the host has none (`appInfo`'s capabilities say). */
export function nativeBridge(capabilities: HostCapabilities): NativeBridge | null {
  if (!capabilities.nativeInference) return null;
  /** Ports that arrived before the answer naming them, by port id. */
  const arrived = new Map<string, MessagePort>();
  const waiting = new Map<string, (port: MessagePort) => void>();
  const endedListeners: ((portId: string, message: string) => void)[] = [];
  window.addEventListener('message', (event: MessageEvent) => {
    // Only the preload, posting to its own window, sends these.
    if (event.source !== window) return;
    const type = field(event.data, 'type');
    const portId = field(event.data, 'portId');
    if (!portId) return;
    if (type === NATIVE_PORT_MESSAGE && event.ports[0]) {
      const take = waiting.get(portId);
      waiting.delete(portId);
      if (take) take(event.ports[0]);
      else arrived.set(portId, event.ports[0]);
    } else if (type === NATIVE_ENDED_MESSAGE) {
      const message = field(event.data, 'message') ?? 'no details';
      for (const listener of endedListeners) listener(portId, message);
    }
  });
  return {
    async open(modelId) {
      const answer = await getHost().openNative({ modelId });
      const early = arrived.get(answer.portId);
      arrived.delete(answer.portId);
      // Ports of earlier opens that nobody claimed lead to processes the host has already ended.
      for (const stale of arrived.values()) stale.close();
      arrived.clear();
      const port = early ?? (await new Promise<MessagePort>((resolve) => waiting.set(answer.portId, resolve)));
      return { ...answer, port };
    },
    onEnded(listener) {
      endedListeners.push(listener);
    },
  };
}
