/**
 * The host API implemented once, for both hosts. Each host adds its own transport (IPC or HTTP),
 * its sender / origin checks, and run-time validation of every payload via {@link dispatch}.
 */
import { contract, parseRequest, type HostApi, type Method, type ResponseOf } from '../../app/contract';
import type { ModelLibrary } from './library';

/** Facts about the running host. */
export interface HostInfo {
  name: string;
  version: string;
  host: 'electron' | 'web';
}

/** Build the API handlers over the shared services. */
export function createApi(library: ModelLibrary, info: HostInfo): HostApi {
  return {
    appInfo: async () => ({ ...info }),
    listModels: async () => {
      const models = await library.scan();
      return { models, defaultModelId: library.defaultModelId() };
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
