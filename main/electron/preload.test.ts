/**
 * Checklist items 3 and 19: the sandboxed preload gives the page the contract's methods, each bound
 * to its own IPC channel, the path of a dropped file and a listener for OSC deliveries — nothing
 * else of Electron.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { METHODS, contract } from '../../app/contract/channels';
import { NATIVE_ENDED_MESSAGE, NATIVE_PORT_MESSAGE } from '../../app/contract/native';
import { OSC_EVENT_CHANNEL } from '../../app/contract/live';

const exposed = new Map<string, Record<string, (...args: unknown[]) => unknown>>();
const invoke = vi.fn(async (channel: string, request: unknown) => ({ channel, request }));
const getPathForFile = vi.fn(() => '/home/me/model.zip');
const ipcListeners = new Map<string, (event: { ports: unknown[] }, message: unknown) => void>();
const postMessage = vi.fn();
(globalThis as { window?: unknown }).window = { postMessage };

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: Record<string, (...args: unknown[]) => unknown>) => exposed.set(key, value) },
  ipcRenderer: {
    invoke,
    on: (channel: string, listener: (event: { ports: unknown[] }, message: unknown) => void) => ipcListeners.set(channel, listener),
    removeListener: (channel: string, listener: unknown) => {
      if (ipcListeners.get(channel) === listener) ipcListeners.delete(channel);
    },
  },
  webUtils: { getPathForFile },
}));

beforeAll(async () => {
  await import('./preload');
});

describe('preload', () => {
  it('exposes the contract methods, pathForFile and the OSC listener, and nothing else', () => {
    expect([...exposed.keys()].sort()).toEqual(['latentStudio', 'latentStudioEvents', 'latentStudioFiles']);
    expect(Object.keys(exposed.get('latentStudioEvents')!)).toEqual(['onOsc']);
    expect(Object.keys(exposed.get('latentStudio')!).sort()).toEqual([...METHODS].sort());
    expect(Object.keys(exposed.get('latentStudioFiles')!)).toEqual(['pathForFile']);
  });

  it('sends each method on its own channel and only there', async () => {
    for (const method of METHODS) {
      invoke.mockClear();
      await exposed.get('latentStudio')![method]!({ any: 1 });
      expect(invoke).toHaveBeenCalledExactlyOnceWith(contract[method].channel, { any: 1 });
    }
  });

  it('answers a dropped file with its path through webUtils', () => {
    const file = { name: 'model.zip' };
    expect(exposed.get('latentStudioFiles')!.pathForFile!(file)).toBe('/home/me/model.zip');
    expect(getPathForFile).toHaveBeenCalledWith(file);
  });

  it('passes the native host’s port on to the page, with the port transferred, and its end notice', () => {
    expect([...ipcListeners.keys()].sort()).toEqual([NATIVE_ENDED_MESSAGE, NATIVE_PORT_MESSAGE].sort());
    const port = { a: 'port' };
    ipcListeners.get(NATIVE_PORT_MESSAGE)!({ ports: [port] }, { modelId: 'm', portId: 'p1' });
    expect(postMessage).toHaveBeenLastCalledWith({ type: NATIVE_PORT_MESSAGE, modelId: 'm', portId: 'p1' }, '*', [port]);
    // The main process cannot forge the message type the page listens for.
    ipcListeners.get(NATIVE_ENDED_MESSAGE)!({ ports: [] }, { type: NATIVE_PORT_MESSAGE, modelId: 'm', portId: 'p1', message: 'exit code 1' });
    expect(postMessage).toHaveBeenLastCalledWith({ type: NATIVE_ENDED_MESSAGE, modelId: 'm', portId: 'p1', message: 'exit code 1' }, '*');
  });

  it('hands the page OSC deliveries (payload only, checked against the contract) until it stops listening', () => {
    const listener = vi.fn();
    const stop = exposed.get('latentStudioEvents')!.onOsc!(listener) as () => void;
    const delivery = { messages: [{ address: '/latent/psi', args: [{ type: 'f', value: 0.5 }] }] };
    ipcListeners.get(OSC_EVENT_CHANNEL)!({ ports: [] }, delivery);
    expect(listener).toHaveBeenCalledExactlyOnceWith(delivery);
    ipcListeners.get(OSC_EVENT_CHANNEL)!({ ports: [] }, { messages: 'not a list' });
    expect(listener).toHaveBeenCalledTimes(1);
    stop();
    expect(ipcListeners.has(OSC_EVENT_CHANNEL)).toBe(false);
  });
});
