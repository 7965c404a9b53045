/**
 * Checklist items 3 and 19: the sandboxed preload gives the page the contract's methods, each bound
 * to its own IPC channel, and the path of a dropped file — nothing else of Electron.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { METHODS, contract } from '../../app/contract';

const exposed = new Map<string, Record<string, (...args: unknown[]) => unknown>>();
const invoke = vi.fn(async (channel: string, request: unknown) => ({ channel, request }));
const getPathForFile = vi.fn(() => '/home/me/model.zip');

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: Record<string, (...args: unknown[]) => unknown>) => exposed.set(key, value) },
  ipcRenderer: { invoke },
  webUtils: { getPathForFile },
}));

beforeAll(async () => {
  await import('./preload');
});

describe('preload', () => {
  it('exposes the contract methods and pathForFile, and nothing else', () => {
    expect([...exposed.keys()].sort()).toEqual(['latentStudio', 'latentStudioFiles']);
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
});
