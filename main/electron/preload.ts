/**
 * Sandboxed preload: exposes exactly the contract's methods to the page, each forwarding to its IPC
 * channel, and the path of a file the user dropped or picked (webUtils.getPathForFile: a File
 * carries no path in the page). Nothing else of Electron or Node reaches the renderer.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { METHODS, contract, type HostApi, type HostFiles } from '../../app/contract';

const api = Object.fromEntries(
  METHODS.map((method) => [method, (request: unknown) => ipcRenderer.invoke(contract[method].channel, request)]),
) as unknown as HostApi;

const files: HostFiles<File> = { pathForFile: (file) => webUtils.getPathForFile(file) };

contextBridge.exposeInMainWorld('latentStudio', api);
contextBridge.exposeInMainWorld('latentStudioFiles', files);
