/**
 * The host API implemented once, for both hosts. Each host adds its own transport (IPC or HTTP),
 * its sender / origin checks, and run-time validation of every payload via {@link dispatch}.
 */
import { contract, parseRequest, type HostApi, type Method, type ResponseOf } from '../../app/contract/channels';
import { hostCapabilities, type HostKind } from '../../app/contract/capabilities';
import type { ModelLibrary } from './library';
import { DirectionStore, userDataDir } from './directions';
import { ExportService, exportDir } from './exports';
import { UserData } from './user-data';
import { OscReceiver } from './osc';

/** Facts about the running host. */
export interface HostInfo {
  name: string;
  version: string;
  host: HostKind;
  /** Whether the host can run models with onnxruntime-node (default: the desktop app can, the browser host cannot). */
  nativeInference?: boolean;
}

/**
 * Build the API handlers over the shared services. Directions are kept in the user data folder
 * (`LATENT_STUDIO_DATA_DIR` or the platform's, see directions.ts) unless a store is given; exports
 * go to the export folder (`LATENT_STUDIO_EXPORT_DIR` or the pictures folder, see exports.ts), whose
 * leftover temporary files the service removes as the host starts. The user's library and
 * projects (user-data.ts) live in the same data folder, and so do the OSC socket's settings (osc.ts).
 */
export function createApi(
  library: ModelLibrary,
  info: HostInfo,
  directions = new DirectionStore(userDataDir()),
  exports = new ExportService(exportDir()),
  userData = new UserData(library, userDataDir()),
  osc = new OscReceiver({ dataDir: userData.dataDir }),
): HostApi {
  return {
    appInfo: async () => ({ name: info.name, version: info.version, host: info.host, capabilities: hostCapabilities(info.host, info.nativeInference) }),
    listModels: async () => {
      const models = await library.scan();
      return { models, stages: library.stages(), defaultModelId: library.defaultModelId(), problems: library.problems };
    },
    listDirections: async ({ modelId }) => ({ directions: await directions.list(modelId) }),
    saveDirections: async ({ modelId, directions: list }) => {
      await directions.save(modelId, list);
      return { saved: list.length };
    },
    exportBegin: (request) => exports.begin(request),
    exportWrite: ({ handle, position, data }) => exports.write(handle, position, Buffer.from(data, 'base64')),
    exportFinish: ({ handle }) => exports.finish(handle),
    exportAbort: async ({ handle }) => {
      await exports.abort(handle);
      return {};
    },
    ...userData.handlers(),
    oscListen: ({ port }) => osc.listen(port),
    oscStatus: () => osc.status(),
    // Electron replaces this with a window of its own (main/electron/perform-window.ts).
    openPerformWindow: async () => {
      throw new Error('this host opens no windows: the studio opens the performance view as a pop-up of the page (allow pop-ups for this address)');
    },
    // Electron replaces this with its utility-process host (main/electron/native-inference.ts).
    openNative: async () => {
      throw new Error('this host has no native runtime: the studio runs models in the page (WebGPU or WASM); the desktop app offers native inference');
    },
  };
}

/**
 * Validate `payload` for `method`, run the handler and check the response against the contract
 * (a host bug must not reach the renderer as a malformed value).
 */
export async function dispatch<M extends Method>(api: HostApi, method: M, payload: unknown): Promise<ResponseOf<M>> {
  const request = parseRequest(method, payload);
  const handler = api[method] as (req: typeof request) => Promise<ResponseOf<M>>;
  const response = await handler(request);
  return contract[method].response.parse(response) as ResponseOf<M>;
}
