/**
 * Checklist item 16: every IPC handler checks its sender before anything else, then validates the
 * payload against the contract. The handlers are the ones main.ts registers (wireIpc), called as
 * ipcMain would call them.
 */
import { describe, expect, it } from 'vitest';
import { METHODS, contract, ContractError, type HostApi } from '../../app/contract';
import { IpcSenderError, wireIpc, type InvokeEvent } from './ipc';

function registered(api: Partial<HostApi>) {
  const handlers = new Map<string, (event: InvokeEvent, payload: unknown) => Promise<unknown>>();
  wireIpc({ handle: (channel, listener) => handlers.set(channel, listener) }, api as HostApi);
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
});
