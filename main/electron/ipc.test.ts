/**
 * Checklist item 16: every IPC handler checks its sender before anything else, then validates the
 * payload against the contract. The handlers are the ones main.ts registers (wireIpc), called as
 * ipcMain would call them.
 */
import { describe, expect, it } from 'vitest';
import { METHODS, contract, ContractError, type HostApi } from '../../app/contract/channels';
import { IpcSenderError, wireIpc, type InvokeEvent, type SenderHandlers } from './ipc';

function registered<S = unknown>(api: Partial<HostApi>, bySender: SenderHandlers<S> = {}) {
  const handlers = new Map<string, (event: InvokeEvent<S>, payload: unknown) => Promise<unknown>>();
  wireIpc<S>({ handle: (channel, listener) => handlers.set(channel, listener) }, api as HostApi, bySender);
  return handlers;
}

describe('IPC handlers', () => {
  it('registers exactly one handler per contract method', () => {
    expect([...registered({}).keys()].sort()).toEqual(METHODS.map((m) => contract[m].channel).sort());
  });

  it('refuses calls from frames that are not studio pages, before running anything', async () => {
    let ran = 0;
    const handlers = registered({ recentProjects: async () => (ran++, { recent: [] }) });
    const call = handlers.get('project:recent')!;
    for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'file:///tmp/x.html' }, { url: 'app://other/' }, null, undefined]) {
      await expect(call({ senderFrame }, {})).rejects.toThrow(IpcSenderError);
    }
    expect(ran).toBe(0);
    await expect(call({ senderFrame: { url: 'app://studio/index.html' } }, {})).resolves.toEqual({ recent: [] });
    expect(ran).toBe(1);
  });

  it('validates payloads from the studio too', async () => {
    const handlers = registered({ importModel: async () => { throw new Error('must not run'); } });
    const call = handlers.get('library:import')!;
    const studio = { senderFrame: { url: 'app://studio/index.html' } };
    await expect(call(studio, { path: '' })).rejects.toThrow(ContractError);
    await expect(call(studio, { path: '/x', extra: 1 })).rejects.toThrow(ContractError);
    await expect(call(studio, null)).rejects.toThrow(/library:import: path/);
  });

  it('gives inference:open-native the calling window, after the sender check and validation', async () => {
    const opened: { modelId: string; sender: string }[] = [];
    const answer = { provider: 'cpu' as const, fallbackReason: null, portId: 'abcdefghijklmnop' };
    const handlers = registered<string>(
      { openNative: async () => { throw new Error('the API fallback must not run in Electron'); } },
      { openNative: async ({ modelId }, sender) => (opened.push({ modelId, sender }), answer) },
    );
    const call = handlers.get('inference:open-native')!;
    const studio = { senderFrame: { url: 'app://studio/index.html' }, sender: 'window 1' };
    await expect(call({ senderFrame: { url: 'https://evil.example/' }, sender: 'window 2' }, { modelId: 'fixture-stylegan-tiny' })).rejects.toThrow(IpcSenderError);
    await expect(call(studio, { modelId: '../etc' })).rejects.toThrow(/inference:open-native: modelId must be a model id/);
    await expect(call(studio, { modelId: 'm', dir: '/tmp' })).rejects.toThrow(ContractError);
    await expect(call({ senderFrame: studio.senderFrame }, { modelId: 'm' })).rejects.toThrow(/needs the calling window/);
    expect(opened).toEqual([]);
    await expect(call(studio, { modelId: 'fixture-stylegan-tiny' })).resolves.toEqual(answer);
    expect(opened).toEqual([{ modelId: 'fixture-stylegan-tiny', sender: 'window 1' }]);
  });

  it('checks the answer of inference:open-native against the contract', async () => {
    const handlers = registered<string>({}, { openNative: async () => ({ provider: 'tpu', fallbackReason: null, portId: 'x' }) as never });
    await expect(handlers.get('inference:open-native')!({ senderFrame: { url: 'app://studio/index.html' }, sender: 'w' }, { modelId: 'm' })).rejects.toThrow();
  });
});
