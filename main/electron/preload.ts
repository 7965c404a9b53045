/**
 * Sandboxed preload: exposes exactly the contract's methods to the page, each forwarding to its IPC
 * channel. Nothing else of Electron or Node reaches the renderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { METHODS, contract, type HostApi } from '../../app/contract';

const api = Object.fromEntries(
  METHODS.map((method) => [method, (request: unknown) => ipcRenderer.invoke(contract[method].channel, request)]),
) as unknown as HostApi;

contextBridge.exposeInMainWorld('latentStudio', api);
