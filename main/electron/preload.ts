/**
 * Sandboxed preload: exposes exactly the contract's methods to the page, each forwarding to its IPC
 * channel, and the path of a file the user dropped or picked (webUtils.getPathForFile: a File
 * carries no path in the page), and a listener for the OSC messages the host pushes (validated
 * here and again in the page). Nothing else of Electron or Node reaches the renderer; the native
 * path's port (and the news that its process ended) is passed on as a plain window message.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { METHODS, contract, type HostApi, type HostFiles } from '../../app/contract/channels';
import { NATIVE_ENDED_MESSAGE, NATIVE_PORT_MESSAGE } from '../../app/contract/native';
import { OSC_EVENT_CHANNEL, oscDeliverySchema, type HostEvents } from '../../app/contract/live';

const api = Object.fromEntries(
  METHODS.map((method) => [method, (request: unknown) => ipcRenderer.invoke(contract[method].channel, request)]),
) as unknown as HostApi;

const files: HostFiles<File> = { pathForFile: (file) => webUtils.getPathForFile(file) };

contextBridge.exposeInMainWorld('latentStudio', api);
contextBridge.exposeInMainWorld('latentStudioFiles', files);

const events: HostEvents = {
  onOsc: (listener) => {
    // Only the payload crosses: the IPC event object (and its sender) never reaches the page.
    const forward = (_event: unknown, delivery: unknown) => {
      const parsed = oscDeliverySchema.safeParse(delivery);
      if (parsed.success) listener(parsed.data);
    };
    ipcRenderer.on(OSC_EVENT_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(OSC_EVENT_CHANNEL, forward);
  },
};
contextBridge.exposeInMainWorld('latentStudioEvents', events);

// A MessagePort cannot cross contextBridge; window.postMessage with a transfer list is how a port
// reaches the main world (Electron's MessagePorts guide). The page checks that its own window sent it.
ipcRenderer.on(NATIVE_PORT_MESSAGE, (event, message: object) => window.postMessage({ ...message, type: NATIVE_PORT_MESSAGE }, '*', event.ports));
ipcRenderer.on(NATIVE_ENDED_MESSAGE, (_event, message: object) => window.postMessage({ ...message, type: NATIVE_ENDED_MESSAGE }, '*'));
